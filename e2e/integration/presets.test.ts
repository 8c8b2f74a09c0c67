import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, Workspace } from '../support/installer.ts';
import { freePort } from '../support/ports.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * `devportal-cli plugins install` with a preset, as a platform team uses it:
 * a presets folder of the test's own (`--presets-dir`) whose preset names a
 * catalog entry in the `index` folder beside it, pointing at a fixture
 * package published to verdaccio with its integrity. The installer's unit
 * tests (src/config/presets.test.ts) cover the rules; this covers the CLI,
 * the registry and the root.
 */
describe('plugins install with presets', () => {
  let npm: StartedVerdaccio;
  let integrity: string;
  /** What this registry serves as @acme/upstream-plugin@2.0.0: "the export" of an upstream package. */
  let exportIntegrity: string;
  before(async () => {
    npm = await startVerdaccio();
    ({ integrity } = await npm.publish({ name: '@acme/preset-plugin', version: '1.0.0' }));
    ({ integrity: exportIntegrity } = await npm.publish({ name: '@acme/upstream-plugin', version: '2.0.0' }));
  });
  after(async () => {
    await npm?.stop();
  });

  /** A workspace with `presets/demo.yaml` and `index/demo-plugin.yaml` next to dynamic-plugins.yaml. */
  function workspace(config: string) {
    const ws = new Workspace().npmrc(`registry=${npm.url}/\n`).config(config);
    fs.mkdirSync(path.join(ws.dir, 'catalog/presets'), { recursive: true });
    fs.mkdirSync(path.join(ws.dir, 'catalog/index'), { recursive: true });
    fs.writeFileSync(
      path.join(ws.dir, 'catalog/index/demo-plugin.yaml'),
      [
        'id: demo-plugin',
        'title: Demo',
        'description: A fixture backend plugin.',
        'name: "@acme/preset-plugin"',
        'kind: backend',
        'source: npm',
        'category: Testing',
        'versions:',
        '  - version: 1.0.0',
        '    package: "@acme/preset-plugin@1.0.0"',
        `    integrity: ${integrity}`,
        'defaultConfig:',
        '  demo:',
        '    token: ${DEMO_TOKEN}',
        '    mode: default',
        '',
      ].join('\n'),
    );
    fs.writeFileSync(
      path.join(ws.dir, 'catalog/presets/demo.yaml'),
      'name: demo\ntitle: Demo\ndescription: The demo plugin.\nenvironment: [DEMO_URL]\nplugins:\n  - entry: demo-plugin\n',
    );
    return ws;
  }
  const presetsDir = (ws: Workspace) => ['--presets-dir', path.join(ws.dir, 'catalog/presets')];
  const noDemoEnv = { DEMO_TOKEN: '', DEMO_URL: '', DEVPORTAL_PRESETS: '', DEVPORTAL_PRESETS_DIR: '' };

  it('stops with one line while its variables are unset, then installs it from the registry with its config', async () => {
    const ws = workspace('presets: [demo]\nplugins: []\n');
    const refused = await run(['plugins', 'install', '--root', ws.root, ...presetsDir(ws)], { cwd: ws.dir, env: noDemoEnv });
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'devportal: error: preset demo needs DEMO_URL, DEMO_TOKEN — set them or remove the preset\n');
    assert.deepEqual(ws.folders(), [], 'nothing was installed or created');

    const env = { ...noDemoEnv, DEMO_TOKEN: 't', DEMO_URL: 'http://demo.example' };
    const installed = await ws.install(presetsDir(ws), env);
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    assert.deepEqual(
      installed.json.plugins.map((p: any) => [p.key, p.status, p.record.integrity]),
      [['@acme/preset-plugin', 'installed', integrity]],
    );
    assert.ok(ws.folders().includes('acme-preset-plugin-1.0.0'));
    // The entry's default config, with ${DEMO_TOKEN} left for the backend's config reader.
    assert.match(ws.appConfig(), /demo:\n {2}token: \$\{DEMO_TOKEN\}\n {2}mode: default\n/);

    // The file's own entry wins key by key: its pluginConfig replaces the preset's, nothing is fetched again.
    const requests = npm.tarballRequests();
    ws.config('presets: [demo]\nplugins:\n  - package: "@acme/preset-plugin@1.0.0"\n    pluginConfig:\n      demo: { mode: mine }\n');
    const overridden = await ws.install(presetsDir(ws), env);
    assert.equal(overridden.code, 0, overridden.stderr);
    assert.deepEqual(overridden.json.plugins.map((p: any) => p.status), ['unchanged']);
    assert.match(ws.appConfig(), /demo:\n {2}mode: mine\n/);
    assert.equal(npm.tarballRequests(), requests);

    // Unchanged inputs still check the variables: unsetting one stops the next start.
    const again = await ws.install(presetsDir(ws), { ...env, DEMO_URL: '' });
    assert.equal(again.code, 1);
    assert.deepEqual(again.json, { ok: false, error: { code: 'PRESET_ENVIRONMENT', message: 'preset demo needs DEMO_URL — set it or remove the preset' } });
  });

  it('takes presets from --preset and DEVPORTAL_PRESETS, and names unknown ones', async () => {
    const ws = workspace('plugins: []\n');
    const env = { ...noDemoEnv, DEMO_TOKEN: 't', DEMO_URL: 'u', DEVPORTAL_PRESETS: 'demo' };
    const fromEnv = await ws.install(presetsDir(ws), env);
    assert.equal(fromEnv.code, 0, fromEnv.stderr + fromEnv.stdout);
    assert.deepEqual(fromEnv.json.plugins.map((p: any) => p.key), ['@acme/preset-plugin']);

    const unknown = await run(['plugins', 'install', '--root', ws.root, '--preset', 'dmeo', ...presetsDir(ws)], { cwd: ws.dir, env: noDemoEnv });
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, "devportal: error: --preset or DEVPORTAL_PRESETS: unknown preset 'dmeo' (known: demo)\n");
  });

  it('reaches the installer from devportal-cli run --preset (what ./devportal start --preset runs)', async () => {
    const ws = workspace('plugins: []\n');
    const port = await freePort();
    // An unset variable: the supervisor's first install stops, and no backend is started.
    const started = await run(
      ['run', '--plugins-config', 'dynamic-plugins.yaml', '--root', ws.root, '--backend', path.join(ws.dir, 'no-backend'), '--port', String(port), '--preset', 'demo'],
      { cwd: ws.dir, env: { ...noDemoEnv, DEMO_TOKEN: 't', DEVPORTAL_PRESETS_DIR: path.join(ws.dir, 'catalog/presets') } },
    );
    assert.equal(started.code, 1);
    assert.match(started.stderr, /^devportal: error: preset demo needs DEMO_URL — set it or remove the preset$/m);
    assert.doesNotMatch(started.stderr, /starting on/);
  });

  it('refuses an upstream (needsExport) entry until the file gives the integrity of its export', async () => {
    const ws = workspace('presets: [upstream]\nplugins: []\n');
    // The catalog pins the upstream tarball's integrity; the registry here serves an export under the same name and version.
    const upstreamIntegrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    fs.writeFileSync(
      path.join(ws.dir, 'catalog/index/upstream-plugin.yaml'),
      'id: upstream-plugin\ntitle: Upstream\ndescription: An upstream package.\nname: "@acme/upstream-plugin"\nkind: backend\nsource: npm\n' +
        'category: Testing\nneedsExport: true\nversions:\n  - version: 2.0.0\n    package: "@acme/upstream-plugin@2.0.0"\n' +
        `    integrity: ${upstreamIntegrity}\n`,
    );
    fs.writeFileSync(path.join(ws.dir, 'catalog/presets/upstream.yaml'), 'name: upstream\ntitle: U\ndescription: U.\nplugins:\n  - entry: upstream-plugin\n');
    const refused = await ws.install(presetsDir(ws), noDemoEnv);
    assert.equal(refused.code, 1);
    assert.equal(refused.json.error.code, 'PRESET_NEEDS_EXPORT');
    assert.match(refused.json.error.message, /^upstream-plugin \(@acme\/upstream-plugin@2\.0\.0, preset upstream\): upstream package, not yet exported/);
    assert.deepEqual(ws.folders(), []);

    ws.config(`presets: [upstream]\nplugins:\n  - package: "@acme/upstream-plugin@2.0.0"\n    integrity: ${exportIntegrity}\n`);
    const installed = await ws.install(presetsDir(ws), noDemoEnv);
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    assert.deepEqual(installed.json.plugins.map((p: any) => [p.key, p.status, p.record.integrity]), [['@acme/upstream-plugin', 'installed', exportIntegrity]]);
  });

  it('lists the presets with their plugins and unset variables (plugins presets --json)', async () => {
    const ws = workspace('');
    const listed = await run(['plugins', 'presets', '--json', ...presetsDir(ws)], { cwd: ws.dir, env: { ...noDemoEnv, DEMO_URL: 'u' } });
    const text = await run(['plugins', 'presets', ...presetsDir(ws)], { cwd: ws.dir, env: { ...noDemoEnv, DEMO_URL: 'u', DEVPORTAL_PRESETS: 'demo' } });
    assert.match(text.stdout, /^demo — Demo {2}\[selected\]\n/);
    assert.match(text.stdout, /\n {2}env {5}DEMO_URL, DEMO_TOKEN \(unset\)\n/);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(listed.json.errors, []);
    assert.deepEqual(
      listed.json.presets.map((p: any) => [p.name, p.selected, p.environment, p.missing, p.plugins.map((x: any) => [x.entry, x.package, x.needsExport])]),
      [['demo', false, ['DEMO_URL', 'DEMO_TOKEN'], ['DEMO_TOKEN'], [['demo-plugin', '@acme/preset-plugin@1.0.0', false]]]],
    );
  });
});
