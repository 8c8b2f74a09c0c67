import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, signInAsGuest } from '../support/backend.ts';
import { waitFor } from '../support/ports.ts';
import { startPostgres, type StartedPostgres } from '../support/postgres.ts';
import { startSupervised, type StartedSupervisor } from '../support/supervised.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * The marketplace through its API, on the real built backend under its
 * supervisor (`devportal-cli run`): install a backend plugin from npm, apply,
 * disable, roll back, a failing apply, and a fresh portal on the same
 * database. Once on SQLite and once on PostgreSQL.
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const PROXY = '@backstage/plugin-proxy-backend';

let npm: StartedVerdaccio;
let upstream: http.Server;
let upstreamPort: number;
let proxyVersion: string;
const FUTURE = '@fixture/built-for-the-future';

before(async () => {
  npm = await startVerdaccio();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-marketplace-publish-'));
  fs.writeFileSync(path.join(work, '.npmrc'), `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
  const published = JSON.parse(
    execFileSync(
      process.execPath,
      [cli, 'plugin', 'publish', '--npm', npm.url, '--json', path.join(fixtures, 'exported', 'backstage-plugin-proxy-backend-dynamic')],
      { cwd: work },
    ).toString(),
  );
  proxyVersion = published.packages[0].version;
  // A backend plugin that declares a Backstage newer than the host's.
  await npm.publish({
    name: FUTURE,
    version: '1.0.0',
    packageJson: { backstage: { role: 'backend-plugin', pluginId: 'future' }, devportal: { compatibility: { backstage: '9.0.0' } } },
  });
  upstream = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: true, path: req.url })));
  await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as { port: number }).port;
});

after(async () => {
  await npm?.stop();
  upstream?.close();
});

for (const database of ['sqlite', 'postgres'] as const) {
  describe(`marketplace on ${database}`, () => {
    let pg: StartedPostgres | undefined;
    let portal: StartedSupervisor;
    let token: string;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), `devportal-marketplace-${database}-`));
    const dataDir = path.join(work, 'data');
    const baseConfig = path.join(work, 'dynamic-plugins.yaml');
    // Written as a path relative to the base file, as dynamic-plugins.yaml has it; also its key.
    const portalInfo = path.relative(work, path.join(repoRoot, 'dynamic-plugins/dist/devportal-plugin-portal-info-backend-dynamic'));

    const start = async () => {
      const postgres = pg
        ? {
            configFiles: ['app-config.production.yaml'],
            env: { POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password },
          }
        : {};
      portal = await startSupervised({
        dataDir,
        pluginsConfig: baseConfig,
        ...postgres,
        config: {
          // Production config turns guest sign-in off; the test signs in as the local admin guest.
          auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true, ownershipEntityRefs: ['group:default/platform-admins'] } } },
          devportal: { admins: ['group:default/platform-admins'] },
          dynamicPlugins: { marketplace: { baseConfig } },
        },
      });
      token = await signInAsGuest(portal.baseUrl);
    };
    const api = async (method: string, route: string, body?: unknown) => {
      const res = await fetch(`${portal.baseUrl}/api/dynamic-plugins${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const proxied = async () =>
      (await fetch(`${portal.baseUrl}/api/proxy/upstream/ping`, { headers: { authorization: `Bearer ${token}` } })).status;
    /**
     * Applies (or rolls back) and waits for the new backend generation that
     * serves the result: started beside the serving one, switched to, the
     * old one drained. The public port stays open all along.
     */
    const applied = async (request: () => Promise<{ status: number; body: any }>) => {
      const res = await request();
      assert.equal(res.status, 202, JSON.stringify(res.body));
      const id = res.body.generation as number;
      await portal.waitForLine(`generation ${id} serves; the previous backend finishes its requests and stops`, 1, 120_000);
      await waitFor(`generation ${id} serving`, async () => ((await api('GET', `/generations/${id}`)).body.state === 'serving' ? true : undefined), 30_000);
      return id;
    };

    /** Waits for an apply that must fail, and answers its generation. */
    const failedGeneration = (id: number) =>
      waitFor(
        `generation ${id} failed`,
        async () => {
          const g = (await api('GET', `/generations/${id}`)).body;
          return g.state === 'failed' ? g : undefined;
        },
        60_000,
      );

    before(async () => {
      if (database === 'postgres') pg = await startPostgres();
      fs.mkdirSync(dataDir, { recursive: true });
      fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
      fs.writeFileSync(
        baseConfig,
        [
          '# The GitOps base: one bundled plugin, locked.',
          'plugins:',
          `  - package: ${portalInfo}`,
          '    locked: true',
          '',
        ].join('\n'),
      );
      await start();
    });

    after(async () => {
      await portal?.stop();
      await pg?.stop();
    });

    it('stages an npm install with the integrity pinned, and lists it as pending', async () => {
      const res = await api('POST', '/changes', {
        action: 'install',
        package: `${PROXY}@^${proxyVersion}`,
        pluginConfig: { proxy: { endpoints: { '/upstream': { target: `http://127.0.0.1:${upstreamPort}`, allowedHeaders: [] } } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.package, `${PROXY}@${proxyVersion}`);
      assert.match(res.body.integrity, /^sha512-/);
      // Read from the registry's manifest when staged: an apply of frontend roles only starts no backend ahead.
      assert.equal(res.body.role, 'backend-plugin');
      assert.equal(res.body.author, 'user:default/guest');
      const { body } = await api('GET', '/changes');
      assert.deepEqual(body.changes.map((c: any) => c.key), [PROXY]);
    });

    it('refuses a change to a locked YAML entry, and saves nothing', async () => {
      const res = await api('POST', '/changes', { action: 'disable', package: portalInfo });
      assert.equal(res.status, 409);
      assert.match(res.body.error.message, /is locked in dynamic-plugins\.yaml/);
      assert.equal((await api('GET', '/changes')).body.changes.length, 1);
    });

    it('applies: one apply at a time, then the plugin serves from a new backend generation', async () => {
      assert.equal(await proxied(), 404);
      const second = (async () => {
        // Sent while the first apply holds the lock.
        await new Promise(resolve => setTimeout(resolve, 50));
        return api('POST', '/apply');
      })();
      const id = await applied(() => api('POST', '/apply'));
      const conflict = await second;
      assert.equal(conflict.status, 409);
      assert.match(conflict.body.error.message, /an apply is running/);
      assert.equal(await proxied(), 200);
      const { body } = await api('GET', '/plugins');
      const proxy = body.plugins.find((p: any) => p.key === PROXY);
      assert.equal(proxy.state, 'loaded');
      assert.equal(proxy.origin, 'marketplace');
      assert.equal(proxy.version, proxyVersion);
      assert.equal(proxy.changedBy, 'user:default/guest');
      assert.deepEqual(body.pending, []);
      assert.deepEqual((await api('GET', `/generations/${id}`)).body.diff, [{ key: PROXY, change: 'added', to: `${PROXY}@${proxyVersion}` }]);
    });

    it('refuses a config that violates the schema of an installed plugin, naming the key', async () => {
      const res = await api('POST', '/changes', { action: 'configure', package: PROXY, pluginConfig: { proxy: { endpoints: 'not-a-mapping' } } });
      assert.equal(res.status, 400);
      assert.match(res.body.error.message, /proxy\/endpoints/);
      assert.deepEqual((await api('GET', '/changes')).body.changes, []);
    });

    it('disables the plugin, then rolls back to the generation that had it', async () => {
      const before = (await api('GET', '/generations')).body.generations[0].id;
      assert.equal((await api('POST', '/changes', { action: 'disable', package: PROXY })).status, 201);
      await applied(() => api('POST', '/apply'));
      assert.equal(await proxied(), 404);
      const rolled = await applied(() => api('POST', `/generations/${before}/rollback`));
      assert.equal(await proxied(), 200);
      const { body } = await api('GET', '/generations');
      assert.deepEqual(
        body.generations.slice(0, 3).map((g: any) => [g.id, g.state, g.rollbackOf ?? null]),
        [
          [rolled, 'serving', before],
          [rolled - 1, 'superseded', null],
          [before, 'superseded', null],
        ],
      );
    });

    it('keeps the running generation when a package fails its integrity, and says why', async () => {
      const serving = (await api('GET', '/generations')).body.generations[0].id;
      const bad = await api('POST', '/changes', {
        action: 'install',
        package: `${PROXY}@${proxyVersion}`,
        integrity: `sha512-${Buffer.alloc(64, 1).toString('base64')}`,
      });
      assert.equal(bad.status, 201);
      const started = portal.count('DevPortal is ready: ' + portal.baseUrl);
      const res = await api('POST', '/apply');
      assert.equal(res.status, 202);
      const failed = await failedGeneration(res.body.generation);
      assert.match(failed.reason, /integrity/i);
      assert.equal(portal.count(`starting a new backend for generation ${res.body.generation} beside the serving one`), 0);
      assert.equal(portal.count('DevPortal is ready: ' + portal.baseUrl), started);
      assert.equal(await proxied(), 200);
      assert.equal((await api('GET', '/generations')).body.generations.find((g: any) => g.state === 'serving').id, serving);
      // The staged change stays, so the admin can fix or discard it.
      const { changes } = (await api('GET', '/changes')).body;
      assert.equal(changes.length, 1);
      assert.equal((await api('DELETE', `/changes/${changes[0].id}`)).status, 204);
    });

    it('refuses an incompatible backend plugin at apply, and keeps the running generation', async () => {
      const serving = (await api('GET', '/generations')).body.generations.find((g: any) => g.state === 'serving').id;
      assert.equal((await api('POST', '/changes', { action: 'install', package: `${FUTURE}@1.0.0` })).status, 201);
      const res = await api('POST', '/apply');
      const failed = await failedGeneration(res.body.generation);
      assert.match(failed.reason, /built-for-the-future@1\.0\.0: was built for Backstage 9\.0\.0, newer than the host's/);
      assert.equal(portal.count(`starting a new backend for generation ${res.body.generation} beside the serving one`), 0);
      assert.equal((await api('GET', '/generations')).body.generations.find((g: any) => g.state === 'serving').id, serving);
      assert.ok(!fs.readdirSync(path.join(dataDir, 'dynamic-plugins-root')).some(f => f.includes('built-for-the-future')));
      const { changes } = (await api('GET', '/changes')).body;
      assert.equal((await api('DELETE', `/changes/${changes[0].id}`)).status, 204);
    });

    it('wrote an audit event for every write, and no token into the log', async () => {
      const events = portal
        .logs()
        .split('\n')
        .filter(line => line.includes('"eventId":"dynamic-plugin-change"'))
        .map(line => JSON.parse(line.slice(line.indexOf('{'))));
      const actions = events.filter(e => e.status === 'succeeded').map(e => e.meta.action);
      for (const action of ['stage-install', 'stage-disable', 'apply', 'rollback', 'discard']) assert.ok(actions.includes(action), `${action} in ${actions}`);
      assert.ok(events.filter(e => e.status === 'failed').some(e => e.meta.action === 'apply'), 'the refused concurrent apply is audited too');
      assert.ok(events.every(e => e.actor?.actorId === 'user:default/guest'));
      assert.doesNotMatch(portal.logs(), new RegExp(token.slice(-40).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.doesNotMatch(portal.logs(), new RegExp(npm.token));
    });

    it('serves the stored generation on the first start of a fresh portal with an empty root', async () => {
      await portal.stop();
      fs.rmSync(path.join(dataDir, 'dynamic-plugins-root'), { recursive: true, force: true });
      await start();
      assert.equal(portal.count('restarting to apply the plugin changes'), 0);
      assert.equal(await proxied(), 200);
      const effective = await fetch(`${portal.baseUrl}/api/dynamic-plugins/effective`, { headers: { authorization: `Bearer ${token}` } });
      const yaml = await effective.text();
      assert.match(yaml, /# The GitOps base: one bundled plugin, locked\./);
      assert.match(yaml, new RegExp(`package: "?${PROXY.replace('/', '\\/')}@${proxyVersion}`));
    });
  });
}
