import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/backend.ts';
import { run, Workspace } from '../support/installer.ts';
import { publishBackendPlugin } from '../support/liveFixtures.ts';
import { freePort } from '../support/ports.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

// The installer's catalog readers as the CLI runs them (its built dist).
const { readCatalog } = createRequire(import.meta.url)(path.join(repoRoot, 'packages/plugin-installer/dist/index.cjs.js'));

/**
 * `devportal-cli catalog build --publish` as a platform team runs it once,
 * against real servers (verdaccio, docker-registry), on a catalog folder of
 * the test's own; then `plugins install` with presets on a portal that
 * installs the published exports through `presetsCatalog`, without building.
 *
 * Entries: `tiny-upstream` (a plain backend plugin, `needsExport`: exported
 * by `plugin export --from-npm`), `tiny-backend` (already a dynamic plugin:
 * unpacked as published), `bad-integrity` (the registry has other bytes) and
 * `missing-package` (the registry has no such package). No smoke test: it
 * needs the built backend and a browser, and is covered by the build itself.
 */
describe('catalog build --publish, then presets installed from what it published', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-catalog-build-'));
  const indexDir = path.join(work, 'marketplace/index');
  const publishedIndex = path.join(work, 'catalog-index.yaml');
  let build: { code: number | null; stderr: string; json: any };

  /** An index file (JSON is YAML); the entry's newest version is `name@1.0.0`. */
  const entry = (id: string, name: string, integrity: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ id, title: id, description: `The ${id} fixture.`, name, kind: 'backend', source: 'npm', category: 'Testing', versions: [{ version: '1.0.0', package: `${name}@1.0.0`, integrity }], ...extra });

  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio(), startRegistry()]);
    const code = 'module.exports = { default: { $$type: "@backstage/BackendFeature" } };\n';
    const upstream = await npm.publish({
      name: '@acme/tiny-upstream',
      version: '1.0.0',
      files: { 'dist/index.cjs.js': code },
      packageJson: { main: 'dist/index.cjs.js', backstage: { role: 'backend-plugin', pluginId: 'tiny-upstream' } },
    });
    const dynamic = await publishBackendPlugin(npm, '@acme/tiny-backend-dynamic', '1.0.0', code, 'tiny');
    await npm.publish({ name: '@acme/bad-integrity', version: '1.0.0' });
    const wrong = `sha512-${Buffer.alloc(64, 9).toString('base64')}`;
    fs.mkdirSync(indexDir, { recursive: true });
    const write = (id: string, text: string) => fs.writeFileSync(path.join(indexDir, `${id}.yaml`), text);
    write('tiny-upstream', entry('tiny-upstream', '@acme/tiny-upstream', upstream.integrity, { needsExport: true, defaultConfig: { tiny: { token: '${TINY_TOKEN}' } } }));
    write('tiny-backend', entry('tiny-backend', '@acme/tiny-backend-dynamic', dynamic.integrity));
    write('bad-integrity', entry('bad-integrity', '@acme/bad-integrity', wrong, { needsExport: true }));
    write('missing-package', entry('missing-package', '@acme/missing-package', wrong, { needsExport: true }));

    build = await run(
      [
        'catalog', 'build', '--index', indexDir, '--cache-dir', path.join(work, 'cache'), '--no-smoke', '--no-write-table',
        '--publish', `oci://${oci.host}/devportal/catalog:1`, '--publish-index', publishedIndex, '--json',
      ],
      { cwd: work, env: { NPM_CONFIG_REGISTRY: `${npm.url}/` } },
    );
  });
  after(async () => {
    await Promise.all([npm?.stop(), oci?.stop()]);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('builds each entry on its own: the bad ones fail with their reason, the rest are published', () => {
    assert.equal(build.code, 0, build.stderr);
    const byId = Object.fromEntries(build.json.entries.map((e: any) => [e.id, e]));
    assert.deepEqual(Object.keys(byId), ['bad-integrity', 'missing-package', 'tiny-backend', 'tiny-upstream']);
    assert.match(byId['bad-integrity'].error, new RegExp(`^@acme/bad-integrity@1\\.0\\.0: integrity mismatch: the entry pins sha512-CQkJ.*, ${npm.url}/ has sha512-`));
    assert.equal(byId['missing-package'].error, `@acme/missing-package@1.0.0: the npm registry ${npm.url}/ has no such package or version`);
    assert.equal(byId['tiny-backend'].error, undefined);
    assert.equal(byId['tiny-upstream'].error, undefined, 'the export of the upstream package');
    assert.equal(byId['tiny-upstream'].cached, false);
    assert.ok(byId['tiny-upstream'].bytes > 0 && byId['tiny-upstream'].buildMs > 0);
    assert.deepEqual(build.json.published.published, ['tiny-backend', 'tiny-upstream']);
    assert.equal(build.json.published.indexImage.reference, `oci://${oci.host}/devportal/catalog:1-index`);
  });

  it('publishes an RHDH catalog index image that the installer reads as the same entries as the index file', async () => {
    const file = await readCatalog([{ type: 'file', path: publishedIndex }]);
    const image = await readCatalog([{ type: 'oci', image: build.json.published.indexImage.reference }]);
    assert.deepEqual(file.errors, []);
    assert.deepEqual(image.errors, []);
    const digest = build.json.published.digest;
    const summary = (entries: any[]) => entries.map(e => [e.id, e.kind, e.source, e.versions[0].package, e.environment]);
    assert.deepEqual(summary(image.entries), [
      ['tiny-backend', 'backend', 'oci', `oci://${oci.host}/devportal/catalog@${digest}!acme-tiny-backend-dynamic`, undefined],
      ['tiny-upstream', 'backend', 'oci', `oci://${oci.host}/devportal/catalog@${digest}!acme-tiny-upstream-dynamic`, ['TINY_TOKEN']],
    ]);
    assert.deepEqual(summary(image.entries), summary(file.entries));
  });

  /** A portal's folder: the fixture catalog's index and presets beside dynamic-plugins.yaml, nothing to build with. */
  function portal(config: string) {
    const ws = new Workspace().npmrc(`registry=${npm.url}/\n`).config(config);
    fs.cpSync(indexDir, path.join(ws.dir, 'marketplace/index'), { recursive: true });
    fs.mkdirSync(path.join(ws.dir, 'marketplace/presets'));
    const preset = (name: string, ids: string[], extra = '') =>
      fs.writeFileSync(
        path.join(ws.dir, 'marketplace/presets', `${name}.yaml`),
        `name: ${name}\ntitle: ${name}\ndescription: The ${name} preset.\n${extra}plugins:\n${ids.map(id => `  - entry: ${id}\n`).join('')}`,
      );
    preset('tiny', ['tiny-upstream', 'tiny-backend'], 'environment: [TINY_URL]\n');
    preset('broken', ['bad-integrity']);
    return ws;
  }
  const env = { TINY_TOKEN: 't', TINY_URL: 'http://tiny.example', DEVPORTAL_PRESETS: '', DEVPORTAL_PRESETS_DIR: '', DEVPORTAL_PRESETS_CATALOG: '' };

  it('installs a preset from the published index file; without it the upstream entry is refused', async () => {
    const refused = await portal('presets: [tiny]\nplugins: []\n').install([], env);
    assert.equal(refused.code, 1);
    assert.equal(refused.json.error.code, 'PRESET_NEEDS_EXPORT');
    assert.match(refused.json.error.message, /^tiny-upstream \(@acme\/tiny-upstream@1\.0\.0, preset tiny\): upstream package, not yet exported.* or point presetsCatalog: /);

    const ws = portal(`presets: [tiny]\npresetsCatalog: ${publishedIndex}\nplugins: []\n`);
    const installed = await ws.install([], env);
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    const digest = build.json.published.digest;
    assert.deepEqual(
      installed.json.plugins.map((p: any) => [p.status, p.package.replace(/![^!]+$/, '')]),
      [
        ['installed', `oci://${oci.host}/devportal/catalog@${digest}`],
        ['installed', `oci://${oci.host}/devportal/catalog@${digest}`],
      ],
    );
    assert.match(ws.appConfig(), /token: \$\{TINY_TOKEN\}/);
  });

  it('installs it from the catalog index image given with --presets-catalog', async () => {
    const ws = portal('presets: [tiny]\nplugins: []\n');
    const installed = await ws.install(['--presets-catalog', build.json.published.indexImage.reference], env);
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    // The packages the index image names (by digest), each installed from the plugin image.
    const image = await readCatalog([{ type: 'oci', image: build.json.published.indexImage.reference }]);
    assert.deepEqual(
      installed.json.plugins.map((p: any) => [p.status, p.package]).sort(),
      image.entries.map((e: any) => ['installed', e.versions[0].package]).sort(),
    );
  });

  it('stops with one line naming an unset variable, and refuses an entry the build could not publish', async () => {
    const ws = portal(`presets: [tiny]\npresetsCatalog: ${publishedIndex}\nplugins: []\n`);
    const unset = await run(['plugins', 'install', '--root', ws.root], { cwd: ws.dir, env: { ...env, TINY_URL: '' } });
    assert.equal(unset.code, 1);
    assert.equal(unset.stderr, 'devportal: error: preset tiny needs TINY_URL — set it or remove the preset\n');
    assert.deepEqual(ws.folders(), []);

    const broken = await portal(`presets: [broken]\npresetsCatalog: ${publishedIndex}\nplugins: []\n`).install([], env);
    assert.equal(broken.code, 1);
    assert.match(broken.json.error.message, /^bad-integrity \(@acme\/bad-integrity@1\.0\.0, preset broken\): upstream package, not yet exported/);
  });

  it('devportal-cli run --presets-catalog (what ./devportal start --presets-catalog runs) reaches the installer, relative to the current folder', async () => {
    const ws = portal('presets: [tiny]\nplugins: []\n');
    const port = await freePort();
    const started = await run(
      ['run', '--plugins-config', 'dynamic-plugins.yaml', '--root', ws.root, '--backend', path.join(ws.dir, 'no-backend'), '--port', String(port), '--presets-catalog', 'gone/catalog-index.yaml'],
      { cwd: ws.dir, env },
    );
    assert.equal(started.code, 1);
    const missing = path.join(ws.dir, 'gone/catalog-index.yaml');
    assert.match(started.stderr, new RegExp(`^devportal: error: --presets-catalog or DEVPORTAL_PRESETS_CATALOG: cannot read the presets catalog: ${missing.replace(/[.]/g, '\\.')}: cannot read it \\(ENOENT\\)$`, 'm'));
    assert.doesNotMatch(started.stderr, /starting on/);
  });
});
