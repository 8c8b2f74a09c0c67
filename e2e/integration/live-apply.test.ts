import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signInAsGuest } from '../support/backend.ts';
import { initPlugin, routePlugin } from '../support/liveFixtures.ts';
import { startLoad, type LoadRequest } from '../support/load.ts';
import { waitFor } from '../support/ports.ts';
import { startPostgres, type StartedPostgres } from '../support/postgres.ts';
import { startSupervised, type StartedSupervisor } from '../support/supervised.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * Live apply on the real built backend under its supervisor: an apply starts
 * a new backend generation beside the serving one, and the public port
 * never fails a request. On SQLite (one portal, writes in flight across the
 * switch) and on PostgreSQL (three replicas sharing one database, applied
 * through one of them; one killed with -9 in the middle and restarted).
 * The bad cases (a plugin that throws or hangs at init, a route that crashes
 * the process) end with the previous generation serving and the reason
 * recorded.
 */

let npm: StartedVerdaccio;

before(async () => {
  npm = await startVerdaccio();
  const backendPlugin = (name: string, version: string, code: string, pluginId: string) =>
    npm.publish({
      name,
      version,
      files: { 'dist/index.cjs.js': code },
      packageJson: { backstage: { role: 'backend-plugin', pluginId } },
    });
  await backendPlugin('@fixture/live-route', '1.0.0', routePlugin('1.0.0'), 'live-route');
  await backendPlugin('@fixture/live-route', '1.1.0', routePlugin('1.1.0'), 'live-route');
  await backendPlugin('@fixture/live-route', '1.2.0', routePlugin('crash'), 'live-route');
  await backendPlugin('@fixture/throws-at-init', '1.0.0', initPlugin('throws-at-init', "throw new Error('broken at init');"), 'throws-at-init');
  await backendPlugin('@fixture/hangs-at-init', '1.0.0', initPlugin('hangs-at-init', 'await new Promise(() => {});'), 'hangs-at-init');
});

after(async () => {
  await npm?.stop();
});

interface Portal {
  supervisor: StartedSupervisor;
  token: string;
}

/** One portal process group (a replica) with its own data folder and root. */
async function startPortal(work: string, name: string, pg: StartedPostgres | undefined): Promise<Portal> {
  const dataDir = path.join(work, name);
  fs.mkdirSync(dataDir, { recursive: true });
  const supervisor = await startSupervised({
    dataDir,
    pluginsConfig: path.join(work, 'dynamic-plugins.yaml'),
    runArgs: ['--generation-timeout', '90', '--probation', '10'],
    ...(pg
      ? {
          configFiles: ['app-config.production.yaml'],
          env: { POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password },
        }
      : {}),
    config: {
      auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true, ownershipEntityRefs: ['group:default/platform-admins'] } } },
      devportal: { admins: ['group:default/platform-admins'] },
      dynamicPlugins: {
        // Long enough that a plugin hanging at init is caught by the generation timeout.
        backend: { initTimeoutMs: 120_000 },
        marketplace: { baseConfig: path.join(work, 'dynamic-plugins.yaml'), replicaPollMs: 1000 },
      },
    },
  });
  return { supervisor, token: await signInAsGuest(supervisor.baseUrl) };
}

async function api(portal: Portal, method: string, route: string, body?: unknown) {
  const res = await fetch(`${portal.supervisor.baseUrl}/api/dynamic-plugins${route}`, {
    method,
    headers: { authorization: `Bearer ${portal.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function stageAndApply(portal: Portal, change: Record<string, unknown>): Promise<number> {
  const staged = await api(portal, 'POST', '/changes', change);
  assert.equal(staged.status, 201, JSON.stringify(staged.body));
  const applied = await api(portal, 'POST', '/apply');
  assert.equal(applied.status, 202, JSON.stringify(applied.body));
  return applied.body.generation;
}

async function generation(portal: Portal, id: number, state: 'serving' | 'failed', timeoutMs = 150_000) {
  return waitFor(
    `generation ${id} ${state}`,
    async () => {
      const g = (await api(portal, 'GET', `/generations/${id}`)).body;
      if (g.state !== state && g.state !== 'applying') throw new Error(`generation ${id} is ${g.state}: ${g.reason ?? ''}`);
      return g.state === state ? g : undefined;
    },
    timeoutMs,
    500,
  );
}

async function routeVersion(portal: Portal): Promise<string | number> {
  const res = await fetch(`${portal.supervisor.baseUrl}/api/live-route/version`);
  return res.ok ? (await res.json()).version : res.status;
}

/** A websocket through the public port, open within 10 s (a hanging upgrade fails the test). */
function openSocket(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => reject(new Error(`${url}: no websocket within 10 s`)), 10_000);
    socket.addEventListener('open', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.addEventListener('error', () => {
      clearTimeout(timer);
      reject(new Error(`${url}: websocket failed`));
    });
  });
}

const readMix: LoadRequest[] = [
  { name: 'remotes', path: '/.backstage/dynamic-features/remotes' },
  { name: 'status', path: '/api/dynamic-plugins/status', auth: true },
  { name: 'catalog', path: '/api/catalog/entities/by-query?limit=5', auth: true },
  { name: 'asset', path: '/' },
  { name: 'plugin-get', path: '/api/live-route/version' },
];

describe('live apply on SQLite: one portal, writes in flight across the switch', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-live-sqlite-'));
  let portal: Portal;

  before(async () => {
    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    fs.writeFileSync(path.join(work, 'dynamic-plugins.yaml'), 'plugins: []\n');
    portal = await startPortal(work, 'a', undefined);
  });
  after(async () => {
    await portal?.supervisor.stop();
  });

  it('enables, then upgrades a backend plugin with a route: no failed request, no lost write', async () => {
    const enabled = await stageAndApply(portal, { action: 'install', package: '@fixture/live-route@1.0.0' });
    await generation(portal, enabled, 'serving');
    assert.equal(await routeVersion(portal), '1.0.0');

    let written = 0;
    const mix: LoadRequest[] = [
      ...readMix,
      { name: 'item-post', method: 'POST', path: '/api/live-route/items', body: () => ({ name: `item-${written++}` }), ok: s => s === 201 },
      {
        name: 'location-post',
        method: 'POST',
        path: '/api/catalog/locations',
        auth: true,
        body: () => ({ type: 'url', target: `http://127.0.0.1:9/live-${Date.now()}-${Math.random()}/catalog-info.yaml` }),
        ok: s => s === 201,
      },
    ];
    const load = startLoad([{ baseUrl: portal.supervisor.baseUrl, token: portal.token }], mix, { clients: 16 });
    // A signals websocket open across the switch: closed as "going away", and a new one opens on the new backend.
    const signalsUrl = `${portal.supervisor.baseUrl.replace('http', 'ws')}/api/signals`;
    const before = await openSocket(signalsUrl);
    const closed = new Promise<number>(resolve => before.addEventListener('close', event => resolve(event.code)));
    try {
      const upgraded = await stageAndApply(portal, { action: 'install', package: '@fixture/live-route@1.1.0' });
      await generation(portal, upgraded, 'serving');
      assert.equal(await routeVersion(portal), '1.1.0');
    } finally {
      await load.stop();
    }
    assert.equal(await closed, 1001);
    (await openSocket(signalsUrl)).close();
    const { result } = load;
    assert.deepEqual(result.failures.slice(0, 10), [], `${result.failures.length} failed of ${result.requests}`);
    assert.ok(result.requests > 200, `only ${result.requests} requests`);
    // Every POST that was answered 201 is in the table: none was lost in the switch.
    const created = result.statuses['item-post']?.[201] ?? 0;
    const count = (await (await fetch(`${portal.supervisor.baseUrl}/api/live-route/items`)).json()).count;
    assert.equal(count, created);
    assert.ok((result.statuses['location-post']?.[201] ?? 0) > 0);
    assert.doesNotMatch(portal.supervisor.logs(), /SQLITE_BUSY/);
  });

  for (const bad of [
    { what: 'a plugin that throws at init', change: { action: 'install', package: '@fixture/throws-at-init@1.0.0' }, reason: /plugin @fixture\/throws-at-init failed to start: .*broken at init/ },
    { what: 'a plugin that hangs at init', change: { action: 'install', package: '@fixture/hangs-at-init@1.0.0' }, reason: /the new backend was not ready within 90 s/ },
  ]) {
    it(`keeps the previous generation serving after ${bad.what}, and records why`, async () => {
      const serving = (await api(portal, 'GET', '/generations')).body.generations.find((g: any) => g.state === 'serving').id;
      const id = await stageAndApply(portal, bad.change);
      const failed = await generation(portal, id, 'failed');
      assert.match(failed.reason, bad.reason);
      assert.equal((await api(portal, 'GET', '/generations')).body.generations.find((g: any) => g.state === 'serving').id, serving);
      assert.equal(await routeVersion(portal), '1.1.0');
      // The root went back to what serves: a restart would serve the same.
      const installed = (await api(portal, 'GET', '/installed')).body;
      assert.ok(!JSON.stringify(installed).includes(String(bad.change.package).split('@1')[0].slice(1)), JSON.stringify(installed));
      const { changes } = (await api(portal, 'GET', '/changes')).body;
      for (const change of changes) assert.equal((await api(portal, 'DELETE', `/changes/${change.id}`)).status, 204);
    });
  }

  it('hands the port back when a plugin route crashes the new backend, and records why', async () => {
    const id = await stageAndApply(portal, { action: 'install', package: '@fixture/live-route@1.2.0' });
    await portal.supervisor.waitForLine(`generation ${id} serves; the previous backend finishes its requests and stops`, 1, 120_000);
    // A route that throws is that request's 500 only.
    assert.equal((await fetch(`${portal.supervisor.baseUrl}/api/live-route/throws`)).status, 500);
    assert.equal(await routeVersion(portal), 'crash');
    await fetch(`${portal.supervisor.baseUrl}/api/live-route/crash`);
    const failed = await generation(portal, id, 'failed');
    assert.match(failed.reason, /the new backend stopped with exit code 70 within 10 s of taking over/);
    assert.equal(await routeVersion(portal), '1.1.0');
    const { changes } = (await api(portal, 'GET', '/changes')).body;
    assert.equal(changes.length, 0);
  });
});

describe('live apply on PostgreSQL: three replicas converge', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-live-pg-'));
  let pg: StartedPostgres;
  const portals: Portal[] = [];

  before(async () => {
    pg = await startPostgres();
    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    fs.writeFileSync(path.join(work, 'dynamic-plugins.yaml'), 'plugins: []\n');
    // The first one creates the tables; the others start beside it.
    portals.push(await startPortal(work, 'a', pg));
    portals.push(...(await Promise.all(['b', 'c'].map(name => startPortal(work, name, pg)))));
  });
  after(async () => {
    await Promise.all(portals.map(p => p.supervisor.stop()));
    await pg?.stop();
  });

  const converged = (id: number, version: string | number) =>
    waitFor(
      `all replicas serving generation ${id}`,
      async () => {
        const versions = await Promise.all(portals.map(routeVersion));
        const { replicas } = (await api(portals[0], 'GET', '/replicas')).body;
        const live = replicas.filter((r: any) => r.state !== 'gone');
        return versions.every(v => v === version) && live.length === 3 && live.every((r: any) => r.generation === id && r.state === 'serving')
          ? replicas
          : undefined;
      },
      180_000,
      1000,
    );

  it('an apply through one replica serves on all three, and no client of any sees a failed request', async () => {
    const load = startLoad(
      portals.map(p => ({ baseUrl: p.supervisor.baseUrl, token: p.token })),
      readMix,
      { clients: 6 },
    );
    let id: number;
    try {
      id = await stageAndApply(portals[0], { action: 'install', package: '@fixture/live-route@1.0.0' });
      await generation(portals[0], id, 'serving');
      await converged(id, '1.0.0');
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.result.failures.slice(0, 10), [], `${load.result.failures.length} failed of ${load.result.requests}`);
    // Each replica installed into its own root: no shared volume.
    for (const p of portals) assert.ok(fs.readdirSync(p.supervisor.root).some(f => f.includes('live-route')));
  });

  it('a replica killed with -9 in the middle of an apply converges to the same generation after a restart', async () => {
    const id = await stageAndApply(portals[0], { action: 'install', package: '@fixture/live-route@1.1.0' });
    // C is following (or about to) when it dies; its backends stop when their supervisor is gone.
    await waitFor('the apply to reach the install', async () => ((await api(portals[0], 'GET', `/generations/${id}`)).body.stage !== 'resolve' ? true : undefined), 60_000, 100);
    const dataDir = portals[2].supervisor.dataDir;
    portals[2].supervisor.kill('SIGKILL');
    await portals[2].supervisor.exited;
    await generation(portals[0], id, 'serving');
    portals[2] = await startPortal(path.dirname(dataDir), path.basename(dataDir), pg);
    const replicas = await converged(id, '1.1.0');
    assert.equal(replicas.filter((r: any) => r.state !== 'gone').length, 3);
  });

  it('refuses a second apply while one runs, on any replica', async () => {
    await api(portals[0], 'POST', '/changes', { action: 'disable', package: '@fixture/live-route' });
    const first = await api(portals[0], 'POST', '/apply');
    assert.equal(first.status, 202);
    const second = await api(portals[1], 'POST', '/apply');
    assert.equal(second.status, 409);
    assert.match(second.body.error.message, /an apply is running/);
    await generation(portals[0], first.body.generation, 'serving');
    await converged(first.body.generation, 404);
  });
});
