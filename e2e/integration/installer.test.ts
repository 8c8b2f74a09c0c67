import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { publishImage, run, useInstallerRegistries, Workspace } from '../support/installer.ts';

/**
 * `devportal-cli plugins install` as a user runs it, against a real npm
 * registry (verdaccio, with a private scope) and a real OCI registry
 * (Debian's docker-registry): every kind of package source, re-runs,
 * upgrades, removals, preInstalled and disabled entries.
 * Integrity, credentials and unsafe archives: installer-verification.test.ts;
 * failing registries, kills and the lock: installer-recovery.test.ts.
 */
describe('plugins install', () => {
  const registries = useInstallerRegistries();
  const { published, registryLine, entry } = registries;
  const tokenLine = (token: string) => `//127.0.0.1:${new URL(registries.npm.url).port}/:_authToken=${token}\n`;

  it('installs from npm, a private scope, OCI and a local folder and merges their config', async () => {
    const ws = new Workspace().npmrc(registryLine() + tokenLine(registries.npm.token));
    fs.mkdirSync(path.join(ws.dir, 'bundled/local-plugin'), { recursive: true });
    fs.writeFileSync(path.join(ws.dir, 'bundled/local-plugin/package.json'), '{"name":"local-plugin","version":"0.0.1"}');
    ws.config(
      'plugins:\n' +
        entry('@acme/plugin-a@1.0.0', '    pluginConfig:\n      acme:\n        a: { enabled: true }\n') +
        entry('@private/plugin-secret@1.0.0') +
        `  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-x\n    pluginConfig:\n      acme:\n        x: { enabled: true }\n` +
        `  - package: oci://${registries.oci.host}/acme/single:1.0.0\n` +
        '  - package: ./bundled/local-plugin\n',
    );
    const result = await ws.install();
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.deepEqual(ws.snapshot(), [
      '.devportal-installed.json',
      'acme-plugin-a-1.0.0:1.0.0',
      'app-config.dynamic-plugins.yaml',
      'local-plugin:0.0.1',
      'plugin-x:3.0.0',
      'plugin-z:1.0.0',
      'private-plugin-secret-1.0.0:1.0.0',
    ]);
    assert.match(ws.appConfig(), /acme:\n {2}a:\n {4}enabled: true\n {2}x:\n {4}enabled: true/);
    assert.match(ws.appConfig(), new RegExp(`rootDirectory: ${ws.root}`));
    assert.ok(!fs.existsSync('/tmp/devportal-lifecycle-script-ran'), 'no lifecycle script ran');

    const list = await run(['plugins', 'list', '--root', ws.root, '--json'], { cwd: ws.dir });
    const bySource = Object.fromEntries(list.json.plugins.map((p: any) => [p.name, p]));
    assert.equal(bySource['@acme/plugin-a'].source, 'npm');
    assert.equal(bySource['@acme/plugin-a'].integrity, published['@acme/plugin-a@1.0.0'].integrity);
    assert.match(bySource['@acme/plugin-x'].digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(bySource['local-plugin'].source, 'local');
  });

  it('accepts every npm package form: range, dist-tag, alias and tarball URL', async () => {
    const ws = new Workspace().npmrc(registryLine());
    const a11 = published['@acme/plugin-a@1.1.0'];
    const b = published['@acme/plugin-b@2.0.0'];
    ws.config(
      'plugins:\n' +
        `  - package: "@acme/plugin-a@^1.0.0"\n    integrity: ${a11.integrity}\n` +
        `  - package: "@acme/plugin-b@latest"\n    integrity: ${b.integrity}\n` +
        `  - package: "my-alias@npm:@acme/plugin-a@1.0.0"\n    integrity: ${published['@acme/plugin-a@1.0.0'].integrity}\n`,
    );
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(result.json.plugins.map((p: any) => `${p.record.name}@${p.record.version}`), [
      '@acme/plugin-a@1.1.0',
      '@acme/plugin-b@2.0.0',
      '@acme/plugin-a@1.0.0',
    ]);

    const url = new Workspace().config(`plugins:\n  - package: ${b.tarball}\n    integrity: ${b.integrity}\n`);
    const fromUrl = await url.install();
    assert.equal(fromUrl.code, 0, fromUrl.stdout);
    assert.ok(url.folders().includes('acme-plugin-b-2.0.0'));
  });

  it('installs an OCI plugin pinned by digest and re-checks a tag with pullPolicy Always', async () => {
    const ws = new Workspace().config(`plugins:\n  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-x\n`);
    const first = await ws.install();
    assert.equal(first.code, 0, first.stdout);
    const digest = first.json.plugins[0].record.digest;
    const pinned = new Workspace().config(`plugins:\n  - package: oci://${registries.oci.host}/acme/plugins@${digest}!plugin-y\n`);
    const byDigest = await pinned.install();
    assert.equal(byDigest.code, 0, byDigest.stdout);
    assert.ok(pinned.folders().includes('plugin-y'));

    ws.config(`plugins:\n  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-x\n    pullPolicy: Always\n`);
    assert.equal((await ws.install()).json.plugins[0].status, 'installed', 'the entry changed');
    assert.equal((await ws.install()).json.plugins[0].status, 'unchanged', 'same remote digest: nothing downloaded');
    await publishImage(`oci://${registries.oci.host}/acme/plugins:1.0.0`, [{ dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.1' }]);
    const moved = await ws.install();
    assert.equal(moved.json.plugins[0].status, 'installed', 'the tag moved: downloaded again');
    assert.equal(moved.json.plugins[0].record.version, '3.0.1');
    // Put the tag back for the other tests.
    await publishImage(`oci://${registries.oci.host}/acme/plugins:1.0.0`, [
      { dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.0' },
      { dir: 'plugin-y', name: '@acme/plugin-y', version: '3.0.0' },
    ]);
  });

  it('fetches nothing on an unchanged re-run and re-merges the config', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + `  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-y\n`);
    assert.equal((await ws.install()).code, 0);
    await new Promise(r => setTimeout(r, 300));
    const before = registries.npm.tarballRequests();
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0', '    pluginConfig: { a: 2 }\n') + `  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-y\n`);
    const again = await ws.install();
    await new Promise(r => setTimeout(r, 300));
    assert.equal(again.code, 0);
    assert.deepEqual(again.json.plugins.map((p: any) => p.status), ['unchanged', 'unchanged']);
    assert.equal(registries.npm.tarballRequests(), before, 'no tarball was requested');
    assert.match(ws.appConfig(), /^a: 2$/m);
  });

  it('re-installs a local plugin whose folder changed, and only then', async () => {
    const ws = new Workspace();
    const source = path.join(ws.dir, 'dist/local-plugin');
    fs.mkdirSync(source, { recursive: true });
    fs.writeFileSync(path.join(source, 'package.json'), '{"name":"local-plugin","version":"1.0.0"}');
    ws.config('plugins:\n  - package: ./dist/local-plugin\n');
    assert.equal((await ws.install()).json.plugins[0].status, 'installed');
    assert.equal((await ws.install()).json.plugins[0].status, 'unchanged');
    fs.writeFileSync(path.join(source, 'index.js'), 'module.exports = 42;\n');
    assert.equal((await ws.install()).json.plugins[0].status, 'installed');
    assert.equal(fs.readFileSync(path.join(ws.root, 'local-plugin/index.js'), 'utf8'), 'module.exports = 42;\n');
  });

  it('upgrades a plugin and removes the ones no longer configured', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + entry('@acme/plugin-b@2.0.0'));
    assert.equal((await ws.install()).code, 0);
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0'));
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(ws.snapshot(), ['.devportal-installed.json', 'acme-plugin-a-1.1.0:1.1.0', 'app-config.dynamic-plugins.yaml']);
  });

  it('keeps a preInstalled plugin found in the root and merges its config without fetching', async () => {
    const ws = new Workspace().npmrc('registry=http://127.0.0.1:9/\n');
    fs.mkdirSync(path.join(ws.root, 'baked-in'), { recursive: true });
    fs.writeFileSync(path.join(ws.root, 'baked-in/package.json'), '{"name":"@acme/baked-in","version":"4.0.0"}');
    ws.config('plugins:\n  - package: "@acme/baked-in@4.0.0"\n    preInstalled: true\n    pluginConfig: { baked: true }\n');
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.match(ws.appConfig(), /^baked: true$/m);
    assert.ok(ws.folders().includes('baked-in'));

    ws.config('plugins:\n  - package: "@acme/missing@1.0.0"\n    preInstalled: true\n');
    const missing = await ws.install();
    assert.equal(missing.code, 1);
    assert.equal(missing.json.plugins[0].error.code, 'PREINSTALLED_MISSING');
  });

  it('does not install a disabled plugin', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0', '    disabled: true\n') + entry('@acme/plugin-b@2.0.0', '    disabled: true\n    enabled: true\n'));
    const result = await ws.install();
    assert.equal(result.code, 0);
    assert.deepEqual(result.json.plugins.map((p: any) => p.status), ['disabled', 'installed']);
  });
});
