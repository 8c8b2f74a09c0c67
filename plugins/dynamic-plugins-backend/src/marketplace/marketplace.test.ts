import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConflictError } from '@backstage/errors';
import { DesiredStateStore } from '@devportal/plugin-dynamic-plugins-node';
import knexFactory, { type Knex } from 'knex';
import { Marketplace } from './marketplace';

// The installer's entry and its config layering load their modules with
// import() (the backend loads them lazily), which jest's CommonJS runtime
// refuses. Layering has its own tests (plugin-installer, effective.ts via
// the marketplace integration test); here the base file is empty, so the
// effective plugins are the layer's entries.
jest.mock('@devportal/plugin-installer', () => ({
  pluginKeyOf: async (spec: string) => ({ key: spec.replace(/@[^@/]+$/, '') }),
  resolvePluginConfig: async () => ({ plugins: [], files: [], warnings: [], presets: [] }),
  // The registry's answer when a change is staged: a package named *-frontend is a frontend plugin.
  pinPackage: async (spec: string) => ({ package: spec, role: /-frontend@/.test(spec) ? 'frontend-plugin' : 'backend-plugin' }),
}));
jest.mock('./effective', () => ({
  layeredPlugins: async (_baseFile: string, layer: Array<{ key: string; package: string; disabled?: boolean }>) =>
    layer.map(entry => ({ key: entry.key, package: entry.package, enabled: entry.disabled !== true, inLayer: true })),
}));

/*
 * The apply flow on a real store (SQLite in memory) with a stand-in for
 * `devportal-cli plugins install`: it waits for a `go` file, then fails
 * (`fail`), or changes the root's plugin config (`backend`: a backend
 * change), or changes nothing a backend reads (frontend plugins only).
 */
const FAKE_INSTALLER = (dir: string) => `
const fs = require('fs');
const path = require('path');
const flag = name => fs.existsSync(path.join(${JSON.stringify(dir)}, name));
const run = args => {
  const root = args[args.indexOf('--root') + 1];
  fs.appendFileSync(path.join(${JSON.stringify(dir)}, 'runs'), (process.env.DEVPORTAL_WARM_INSTALLER === '1' ? 'warm' : 'cold') + '\\n');
  const wait = setInterval(() => {
    if (!flag('go')) return;
    clearInterval(wait);
    if (flag('fail')) {
      process.stdout.write(JSON.stringify({ ok: false, error: { message: 'the registry did not answer' } }) + '\\n');
      process.exit(1);
    }
    if (flag('backend')) fs.writeFileSync(path.join(root, 'app-config.dynamic-plugins.yaml'), 'changed: ' + Date.now() + '\\n');
    process.stdout.write(JSON.stringify({ ok: true, plugins: [] }) + '\\n');
  }, 20);
};
// Started ahead (WARM_INSTALLER_ENV): the arguments come as one JSON line on stdin.
if (process.env.DEVPORTAL_WARM_INSTALLER === '1') {
  let input = '';
  process.stdin.on('data', chunk => {
    input += chunk;
    if (input.includes('\\n')) run(JSON.parse(input.slice(0, input.indexOf('\\n'))));
  });
} else {
  run(process.argv.slice(2));
}
`;

describe('Marketplace apply', () => {
  let db: Knex;
  let dir: string;
  let store: DesiredStateStore;
  let calls: string[];
  let marketplace: Marketplace;

  beforeEach(async () => {
    db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-marketplace-'));
    fs.mkdirSync(path.join(dir, 'root'));
    fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), 'plugins: []\n');
    fs.writeFileSync(path.join(dir, 'installer.js'), FAKE_INSTALLER(dir));
    store = await DesiredStateStore.create(db);
    calls = [];
    marketplace = new Marketplace({
      store,
      settings: {
        baseConfig: path.join(dir, 'dynamic-plugins.yaml'),
        cli: path.join(dir, 'installer.js'),
        installTimeoutMs: 30_000,
        lockMs: 60_000,
        restart: true,
        catalogSources: [],
        installerArgs: [],
        pollMs: 3_000,
      },
      root: path.join(dir, 'root'),
      logger: mockServices.logger.mock(),
      validateConfig: async () => undefined,
      requestGeneration: generation => calls.push(`request ${generation}`),
      prepareGeneration: generation => calls.push(`prepare ${generation}`),
      abandonGeneration: generation => calls.push(`abandon ${generation}`),
      holder: 'replica-a',
      served: null,
    });
    await marketplace.stage({ action: 'install', package: '@acme/plugin-a@1.0.0', integrity: `sha512-${'a'.repeat(86)}==` }, 'user:default/jane');
  });

  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const go = (...flags: string[]) => {
    for (const flag of [...flags, 'go']) fs.writeFileSync(path.join(dir, flag), '');
  };
  const until = async (what: string, check: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 20_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise(resolve => setTimeout(resolve, 25));
    }
  };
  const stateOf = async (id: number) => (await store.getGeneration(id))?.state;

  it('asks for a held backend before the install, then for the new generation; the staged changes are consumed', async () => {
    const id = await marketplace.apply('user:default/jane');
    expect(calls).toEqual([`prepare ${id}`]);
    go('backend');
    await until('the generation request', () => calls.includes(`request ${id}`));
    expect(calls).toEqual([`prepare ${id}`, `request ${id}`]);
    await until('the staged change to be consumed', async () => (await store.listChanges()).length === 0);
    // Installed and waiting for its backend: a start from now installs it.
    expect((await store.getGeneration(id))?.stage).toBe('start');
    // Its diff, worked out while the installer ran, is recorded before the new backend is asked for (its verdict reads it).
    expect((await store.getGeneration(id))?.diff).toEqual([expect.objectContaining({ key: '@acme/plugin-a', change: 'added' })]);
    expect(marketplace.local()).toEqual({ served: null, target: id });
    // The installer started when the change was staged did the install.
    expect(fs.readFileSync(path.join(dir, 'runs'), 'utf8')).toBe('warm\n');
  });

  it('installs in a new process when the installer started ahead has gone away', async () => {
    const waiting = (marketplace as unknown as { warmInstaller: { waiting?: { child: import('node:child_process').ChildProcess } } }).warmInstaller.waiting;
    expect(waiting).toBeDefined();
    waiting!.child.kill('SIGKILL');
    await new Promise(resolve => waiting!.child.once('exit', resolve));
    const id = await marketplace.apply('user:default/jane');
    go();
    await until('the generation to serve', async () => (await stateOf(id)) === 'serving');
    expect(fs.readFileSync(path.join(dir, 'runs'), 'utf8').trim().split('\n').pop()).toBe('cold');
  });

  it('lets the held backend go when only frontend plugins changed: the running backend serves the generation', async () => {
    const id = await marketplace.apply('user:default/jane');
    go();
    await until('the generation to serve', async () => (await stateOf(id)) === 'serving');
    expect(calls).toEqual([`prepare ${id}`, `abandon ${id}`]);
    expect(marketplace.local()).toEqual({ served: id });
  });

  it('starts no held backend for an apply whose staged packages are all frontend plugins', async () => {
    await store.removeChanges((await store.listChanges()).map(c => c.id));
    await marketplace.stage({ action: 'install', package: '@acme/radar-frontend@1.0.0', integrity: `sha512-${'b'.repeat(86)}==` }, 'user:default/jane');
    expect((await store.listChanges())[0].role).toBe('frontend-plugin');
    const id = await marketplace.apply('user:default/jane');
    expect(calls).toEqual([]);
    go();
    await until('the generation to serve', async () => (await stateOf(id)) === 'serving');
    expect(calls).toEqual([`abandon ${id}`]);
  });

  it('lets the held backend go when the install fails, and records why', async () => {
    const id = await marketplace.apply('user:default/jane');
    go('fail');
    await until('the generation to fail', async () => (await stateOf(id)) === 'failed');
    expect(calls).toEqual([`prepare ${id}`, `abandon ${id}`]);
    expect((await store.getGeneration(id))?.reason).toContain('the registry did not answer');
    expect(marketplace.local()).toEqual({ served: null, lastError: expect.stringContaining('the registry did not answer') });
  });

  it('refuses a second apply on this replica while it is moving to a generation (409), and takes one after', async () => {
    const id = await marketplace.apply('user:default/jane');
    await expect(marketplace.apply('user:default/jane')).rejects.toThrow(ConflictError);
    await expect(marketplace.apply('user:default/jane')).rejects.toThrow(`an apply is running (generation ${id})`);
    go();
    await until('the generation to serve', async () => (await stateOf(id)) === 'serving');
    await marketplace.stage({ action: 'disable', package: '@acme/plugin-a' }, 'user:default/jane');
    fs.rmSync(path.join(dir, 'go'));
    const next = await marketplace.apply('user:default/jane');
    expect(next).toBeGreaterThan(id);
    go();
    await until('the next generation to serve', async () => (await stateOf(next)) === 'serving');
  });

  it('refuses an apply while this replica follows a generation that serves elsewhere', async () => {
    // Another replica applied and serves generation `other`.
    const other = await store.beginGeneration({ author: 'user:default/joe', layer: [], diff: [], holder: 'replica-b', lockMs: 60_000 });
    await store.serveGeneration(other.id);
    const following = marketplace.follow(other);
    expect(calls).toEqual([`prepare ${other.id}`]);
    await expect(marketplace.apply('user:default/jane')).rejects.toThrow(`this replica is moving to generation ${other.id}`);
    go('backend');
    await following;
    expect(calls).toEqual([`prepare ${other.id}`, `request ${other.id}`]);
  });
});
