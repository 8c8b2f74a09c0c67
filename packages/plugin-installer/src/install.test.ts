import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeArchive } from '../testing/tarFixtures';
import { InstallError } from './errors';
import { installPlugins, readState, type InstallOptions } from './install';

/*
 * The orchestration end to end, without a registry: local folders and
 * tarballs on this machine (npm's own fetcher reads those). Registries are
 * covered by e2e/integration/installer.test.ts against verdaccio and
 * docker-registry.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function workspace(config: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-install-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), config);
  // No user .npmrc or npm_config_* from the machine running the tests.
  const env = { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc') };
  const lines: string[] = [];
  const options: InstallOptions = { configFile: path.join(dir, 'dynamic-plugins.yaml'), root: path.join(dir, 'root'), env, log: m => lines.push(m) };
  return { dir, options, lines, install: () => installPlugins(options) };
}

function localPlugin(dir: string, name: string, version = '1.0.0') {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version }));
  fs.writeFileSync(path.join(dir, 'dist/index.js'), 'module.exports = 1;\n');
}

async function tarball(file: string, name: string) {
  await writeArchive(file, [
    { path: 'package/', type: 'dir' },
    { path: 'package/package.json', body: JSON.stringify({ name, version: '2.0.0' }) },
    { path: 'package/index.js', body: 'exports.x = 1;\n' },
  ]);
  return `sha512-${crypto.createHash('sha512').update(fs.readFileSync(file)).digest('base64')}`;
}

describe('installPlugins', () => {
  it('installs a plugin again when its folder in the root was edited in place, and not otherwise', async () => {
    const tgz = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-edited-')), 'x.tgz');
    dirs.push(path.dirname(tgz));
    const integrity = await tarball(tgz, 'edited-x');
    const ws = workspace(`plugins:\n  - package: ${tgz}\n    integrity: ${integrity}\n`);
    expect((await ws.install()).ok).toBe(true);
    const folder = (await readState(ws.options.root))!.plugins[tgz].folder;
    expect((await ws.install()).plugins[0].status).toBe('unchanged');
    // Someone with access to a persistent volume edits the installed code.
    fs.writeFileSync(path.join(ws.options.root, folder, 'index.js'), 'exports.x = "tampered";\n');
    const again = await ws.install();
    expect(again.plugins[0].status).toBe('installed');
    expect(fs.readFileSync(path.join(ws.options.root, folder, 'index.js'), 'utf8')).toBe('exports.x = 1;\n');
    expect((await ws.install()).plugins[0].status).toBe('unchanged');
  });

  it('refuses a package the vet check rejects, before anything is switched', async () => {
    const ws = workspace('plugins:\n  - package: ./plugins/local-a\n');
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a');
    expect((await ws.install()).ok).toBe(true);
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a', '2.0.0');
    const outcome = await installPlugins({ ...ws.options, vet: pkg => (pkg.version === '2.0.0' ? 'was built for Backstage 9.0.0' : undefined) });
    expect(outcome.ok).toBe(false);
    expect(outcome.plugins[0].error).toEqual({ code: 'INCOMPATIBLE', message: './plugins/local-a: was built for Backstage 9.0.0' });
    expect(JSON.parse(fs.readFileSync(path.join(ws.options.root, 'local-a/package.json'), 'utf8')).version).toBe('1.0.0');
  });

  it('applies a layer file over the base, and installs the base alone again once the layer is gone', async () => {
    const ws = workspace('plugins:\n  - package: ./plugins/local-a\n  - package: ./plugins/local-b\n');
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a');
    localPlugin(path.join(ws.dir, 'plugins/local-b'), 'local-b');
    // The layer lives elsewhere (the marketplace's folder); its relative paths still mean the base's.
    const layerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-layer-'));
    dirs.push(layerDir);
    const layerFile = path.join(layerDir, 'layer.yaml');
    fs.writeFileSync(layerFile, 'plugins:\n  - package: ./plugins/local-b\n    disabled: true\n    pluginConfig: { b: 1 }\n');

    const layered = await installPlugins({ ...ws.options, layerFile });
    expect(layered.ok).toBe(true);
    expect(Object.keys((await readState(ws.options.root))!.plugins)).toEqual(['./plugins/local-a']);
    expect((await installPlugins({ ...ws.options, layerFile })).plugins.map(p => p.status).sort()).toEqual(['disabled', 'unchanged']);

    const base = await ws.install();
    expect(base.plugins.map(p => p.status).sort()).toEqual(['installed', 'unchanged']);
    expect(Object.keys((await readState(ws.options.root))!.plugins).sort()).toEqual(['./plugins/local-a', './plugins/local-b']);
  });

  it('installs a local folder with its content hash recorded, then leaves it unchanged', async () => {
    const ws = workspace('plugins:\n  - package: ./plugins/local-a\n    pluginConfig: { a: 1 }\n');
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a');
    const first = await ws.install();
    expect(first.ok).toBe(true);
    expect(first.plugins[0]).toMatchObject({ status: 'installed', record: { folder: 'local-a', source: 'local' } });
    expect(first.plugins[0].record!.contentHash).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(fs.readFileSync(path.join(ws.options.root, 'local-a/dist/index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(ws.lines).toEqual(['./plugins/local-a: fetching (local)', './plugins/local-a: installed local-a@1.0.0']);

    const again = await ws.install();
    expect(again.plugins.map(p => p.status)).toEqual(['unchanged']);
    expect((await readState(ws.options.root))!.plugins['./plugins/local-a'].folder).toBe('local-a');
  });

  it('installs a tarball on this machine without an integrity, and verifies one when pinned', async () => {
    const ws = workspace('');
    const integrity = await tarball(path.join(ws.dir, 'b.tgz'), '@acme/b');
    fs.writeFileSync(ws.options.configFile, 'plugins:\n  - package: ./b.tgz\n');
    const unpinned = await ws.install();
    expect(unpinned.ok).toBe(true);
    expect(unpinned.plugins[0].record).toMatchObject({ folder: 'acme-b-2.0.0', source: 'npm' });

    fs.writeFileSync(ws.options.configFile, `plugins:\n  - package: ./b.tgz\n    integrity: ${integrity}\n`);
    const pinned = await ws.install();
    expect(pinned.ok).toBe(true);
    expect(pinned.plugins[0].record!.integrity).toBe(integrity);
  });

  it('refuses a tarball whose bytes do not match the pin and keeps the previous root', async () => {
    const ws = workspace('plugins:\n  - package: ./plugins/local-a\n');
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a');
    expect((await ws.install()).ok).toBe(true);
    const before = fs.readdirSync(ws.options.root).sort();
    await tarball(path.join(ws.dir, 'b.tgz'), '@acme/b');
    const wrong = `sha512-${crypto.createHash('sha512').update('other').digest('base64')}`;
    fs.writeFileSync(ws.options.configFile, `plugins:\n  - package: ./b.tgz\n    integrity: ${wrong}\n`);
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0]).toMatchObject({ status: 'failed', error: { code: 'INTEGRITY_MISMATCH' } });
    expect(result.plugins[0].error!.message).toMatch(/^\.\/b\.tgz: /);
    expect(fs.readdirSync(ws.options.root).sort()).toEqual(before);
  });

  it('fails a junk package as one plugin with a clear error, and ignores it when disabled', async () => {
    const ws = workspace('plugins:\n  - package: "foo bar"\n  - package: ./plugins/local-a\n');
    localPlugin(path.join(ws.dir, 'plugins/local-a'), 'local-a');
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0]).toMatchObject({ status: 'failed', error: { code: 'INVALID_PACKAGE_SPEC' } });
    expect(result.plugins[1].status).toBe('installed');

    fs.writeFileSync(ws.options.configFile, 'plugins:\n  - package: "foo bar"\n    disabled: true\n  - package: ./plugins/local-a\n');
    expect((await ws.install()).plugins.map(p => p.status)).toEqual(['disabled', 'installed']);
  });

  it('refuses a relative root or config file instead of reading the current folder', async () => {
    const ws = workspace('plugins: []\n');
    await expect(installPlugins({ ...ws.options, root: 'dynamic-plugins-root' })).rejects.toThrow(InstallError);
    await expect(installPlugins({ ...ws.options, configFile: 'dynamic-plugins.yaml' })).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});
