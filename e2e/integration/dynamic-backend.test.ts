import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { repoRoot, signInAsGuest, startBackend, type StartedBackend } from '../support/backend.ts';
import { waitFor } from '../support/ports.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * Dynamic backend plugins, installed by the real installer from a local
 * folder, npm (verdaccio) and OCI (docker-registry), loaded by the built
 * backend. Broken plugins (throw at import, throw in init, hang in init,
 * incompatible) are isolated; a disabled plugin whose folder is still in the
 * root is not loaded.
 */
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');

/** A backend plugin package as plain CommonJS; `body` is the init code. */
function pluginPackage(dir: string, name: string, pluginId: string, options: { init?: string; top?: string; packageJson?: object } = {}) {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'dist/index.cjs.js', backstage: { role: 'backend-plugin', pluginId }, ...options.packageJson }),
  );
  fs.writeFileSync(
    path.join(dir, 'dist/index.cjs.js'),
    `${options.top ?? ''}
const { createBackendPlugin, coreServices } = require('@backstage/backend-plugin-api');
const express = require('express');
exports.default = createBackendPlugin({
  pluginId: ${JSON.stringify(pluginId)},
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter },
      async init({ httpRouter }) {
        ${options.init ?? ''}
        const router = express.Router();
        router.get('/hello', (req, res) => res.json({ plugin: ${JSON.stringify(name)}, packageJson: require.resolve(${JSON.stringify(`${name}/package.json`)}) }));
        router.get('/boom', () => { throw new Error('this request fails'); });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/hello', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({ path: '/boom', allow: 'unauthenticated' });
      },
    });
  },
});
`,
  );
  return dir;
}

describe('dynamic backend plugins', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  let asAdmin: StartedBackend;
  let asNonAdmin: StartedBackend;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-dynamic-backend-'));
  const root = path.join(work, 'dynamic-plugins-root');

  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio(), startRegistry()]);
    const src = path.join(work, 'plugins');
    pluginPackage(path.join(src, 'good'), '@fixture/good', 'fixture-good');
    pluginPackage(path.join(src, 'throws-at-import'), '@fixture/throws-at-import', 'fixture-import', { top: "throw new Error('broken at import');" });
    pluginPackage(path.join(src, 'throws-in-init'), '@fixture/throws-in-init', 'fixture-init', { init: "throw new Error('broken in init');" });
    pluginPackage(path.join(src, 'hangs-in-init'), '@fixture/hangs-in-init', 'fixture-hang', { init: 'await new Promise(() => {});' });
    pluginPackage(path.join(src, 'incompatible'), '@fixture/incompatible', 'fixture-incompatible', {
      packageJson: { devportal: { compatibility: { backstage: '9.9.0', backendPluginApi: '^9.0.0' } } },
    });
    pluginPackage(path.join(src, 'disabled'), '@fixture/disabled', 'fixture-disabled');
    pluginPackage(path.join(src, 'strict-config'), '@fixture/strict-config', 'fixture-strict', {
      packageJson: { configSchema: 'config.schema.json' },
    });
    // A catalog module that ships its own (broken, "older") copy of
    // plugin-catalog-node: the loader must give it the host's, or its
    // extension point would not be the catalog's.
    const nested = path.join(src, 'nested-node');
    fs.mkdirSync(path.join(nested, 'dist'), { recursive: true });
    fs.mkdirSync(path.join(nested, 'node_modules/@backstage/plugin-catalog-node'), { recursive: true });
    fs.writeFileSync(path.join(nested, 'node_modules/@backstage/plugin-catalog-node/package.json'), '{"name":"@backstage/plugin-catalog-node","version":"1.0.0","main":"index.js"}');
    fs.writeFileSync(
      path.join(nested, 'node_modules/@backstage/plugin-catalog-node/index.js'),
      "exports.catalogProcessingExtensionPoint = { $$type: '@backstage/ExtensionPoint', id: 'catalog.processing.from-an-old-copy', T: null };\n",
    );
    fs.writeFileSync(
      path.join(nested, 'package.json'),
      JSON.stringify({ name: '@fixture/nested-node', version: '1.0.0', main: 'dist/index.cjs.js', backstage: { role: 'backend-plugin-module', pluginId: 'catalog' } }),
    );
    fs.writeFileSync(
      path.join(nested, 'dist/index.cjs.js'),
      `const { createBackendModule } = require('@backstage/backend-plugin-api');
const { catalogProcessingExtensionPoint } = require('@backstage/plugin-catalog-node');
exports.default = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'fixture-nested-node',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addProcessor({
          getProcessorName: () => 'FixtureNestedNode',
          async preProcessEntity(entity) {
            return { ...entity, metadata: { ...entity.metadata, annotations: { ...entity.metadata.annotations, 'fixture.io/processed': 'true' } } };
          },
        });
      },
    });
  },
});
`,
    );
    fs.writeFileSync(
      path.join(src, 'strict-config/config.schema.json'),
      JSON.stringify({ type: 'object', properties: { strictFixture: { type: 'object', properties: { retries: { type: 'number' } } } } }),
    );

    // The same kind of plugin from npm and from OCI.
    const fromNpm = pluginPackage(path.join(work, 'npm-src'), '@fixture/from-npm', 'fixture-npm');
    const files = Object.fromEntries(
      ['dist/index.cjs.js'].map(f => [f, fs.readFileSync(path.join(fromNpm, f))]),
    );
    const pkgJson = JSON.parse(fs.readFileSync(path.join(fromNpm, 'package.json'), 'utf8'));
    const { integrity } = await npm.publish({ name: pkgJson.name, version: pkgJson.version, files, packageJson: pkgJson });
    const fromOci = pluginPackage(path.join(work, 'oci-src', 'fixture-from-oci'), '@fixture/from-oci', 'fixture-oci');
    execFileSync(process.execPath, [cli, 'plugin', 'publish', '--oci', `oci://${oci.host}/fixtures/plugins:1.0.0`, fromOci]);

    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    fs.writeFileSync(
      path.join(work, 'dynamic-plugins.yaml'),
      [
        'plugins:',
        '  - package: ./plugins/good',
        '    pluginConfig: { fixture: { greeting: hello } }',
        '  - package: ./plugins/throws-at-import',
        '  - package: ./plugins/throws-in-init',
        '  - package: ./plugins/hangs-in-init',
        '  - package: ./plugins/incompatible',
        '  - package: ./plugins/disabled',
        '    disabled: true',
        '  - package: ./plugins/nested-node',
        '  - package: ./plugins/strict-config',
        '    pluginConfig: { strictFixture: { retries: many } }',
        `  - package: "@fixture/from-npm@1.0.0"`,
        `    integrity: ${integrity}`,
        `  - package: oci://${oci.host}/fixtures/plugins:1.0.0!fixture-from-oci`,
        '',
      ].join('\n'),
    );
    execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', root], {
      cwd: work,
      env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'none') },
    });
    // A folder left behind for the disabled plugin must still not load.
    fs.cpSync(path.join(src, 'disabled'), path.join(root, 'disabled'), { recursive: true });

    const common = {
      withBundledPlugins: false,
      configFiles: [path.join(root, 'app-config.dynamic-plugins.yaml')],
      config: { backend: { database: { client: 'better-sqlite3', connection: ':memory:' } }, dynamicPlugins: { backend: { initTimeoutMs: 3000 } } },
    };
    [asAdmin, asNonAdmin] = await Promise.all([
      startBackend(common),
      startBackend({ ...common, config: { ...common.config, devportal: { admins: ['user:default/jane'] } } }),
    ]);
  });

  after(async () => {
    await Promise.all([asAdmin?.stop(), asNonAdmin?.stop(), npm?.stop(), oci?.stop()]);
  });

  async function status() {
    const token = await signInAsGuest(asAdmin.baseUrl);
    const res = await fetch(`${asAdmin.baseUrl}/api/dynamic-plugins/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    const body = await res.json();
    return Object.fromEntries(body.plugins.map((p: any) => [p.package, p]));
  }

  it('starts and stays ready with broken plugins installed', async () => {
    const res = await fetch(`${asAdmin.baseUrl}/.backstage/health/v1/readiness`);
    assert.equal(res.status, 200);
  });

  it('loads plugins from the bundled folder, npm and OCI, with their routes', async () => {
    for (const [id, name] of [['fixture-good', '@fixture/good'], ['fixture-npm', '@fixture/from-npm'], ['fixture-oci', '@fixture/from-oci']]) {
      const res = await fetch(`${asAdmin.baseUrl}/api/${id}/hello`);
      assert.equal(res.status, 200, `${name} answers`);
      const body = await res.json();
      assert.equal(body.plugin, name);
      // resolvePackagePath('<own name>') works: the package resolves to its folder in the root.
      assert.ok(body.packageJson.startsWith(root), body.packageJson);
    }
    const all = await status();
    assert.equal(all['@fixture/good'].state, 'loaded');
    assert.equal(all['@fixture/good'].source, 'bundled');
    assert.equal(all['@fixture/from-npm'].source, 'npm');
    assert.equal(all['@fixture/from-oci'].source, 'oci');
    assert.equal(typeof all['@fixture/good'].initMs, 'number');
  });

  it('marks a plugin that throws at import failed with the reason', async () => {
    const p = (await status())['@fixture/throws-at-import'];
    assert.equal(p.state, 'failed');
    assert.match(p.reason, /import failed: broken at import/);
  });

  it('marks a plugin that throws in init failed and starts the rest', async () => {
    const p = (await status())['@fixture/throws-in-init'];
    assert.equal(p.state, 'failed');
    assert.match(p.reason, /broken in init/);
  });

  it('marks a plugin whose init never finishes failed after the timeout', async () => {
    const p = (await status())['@fixture/hangs-in-init'];
    assert.equal(p.state, 'failed');
    assert.match(p.reason, /did not finish within 3000 ms/);
    assert.ok(asAdmin.logs().includes('@fixture/hangs-in-init'), 'the failure is in the log');
  });

  it('refuses an incompatible plugin, saying what it needs and what the host has', async () => {
    const p = (await status())['@fixture/incompatible'];
    assert.equal(p.state, 'incompatible');
    assert.match(p.reason, /needs @backstage\/backend-plugin-api \^9\.0\.0, the host has 1\.10\.1/);
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/fixture-incompatible/hello`)).status, 404);
  });

  it('does not load a disabled plugin even though its folder is in the root', async () => {
    assert.ok(fs.existsSync(path.join(root, 'disabled')));
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/fixture-disabled/hello`)).status, 404);
    // Listed by its package as written in dynamic-plugins.yaml: nothing of it was read.
    assert.equal((await status())['./plugins/disabled'].state, 'disabled');
  });

  it("refuses a plugin whose config breaks its own schema, naming the key", async () => {
    const p = (await status())['@fixture/strict-config'];
    assert.equal(p.state, 'failed');
    assert.match(p.reason, /invalid config: .*number.*\/strictFixture\/retries/);
    assert.match(asAdmin.logs(), /@fixture\/strict-config is not loaded: invalid config/);
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/fixture-strict/hello`)).status, 404);
  });

  it('gives a plugin that ships its own older -node package the host\'s extension points', async () => {
    assert.equal((await status())['@fixture/nested-node'].state, 'loaded');
    const token = await signInAsGuest(asAdmin.baseUrl);
    const entity = await waitFor('an entity processed by the module', async () => {
      const res = await fetch(`${asAdmin.baseUrl}/api/catalog/entities/by-name/component/default/payments-service`, { headers: { authorization: `Bearer ${token}` } });
      const body = res.ok ? await res.json() : undefined;
      return body?.metadata.annotations?.['fixture.io/processed'] ? body : undefined;
    }, 60_000, 1000);
    assert.equal(entity.metadata.annotations['fixture.io/processed'], 'true');
  });

  it('fails only the request a loaded plugin crashes', async () => {
    const boom = await fetch(`${asAdmin.baseUrl}/api/fixture-good/boom`);
    assert.equal(boom.status, 500);
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/fixture-good/hello`)).status, 200);
    assert.equal((await fetch(`${asAdmin.baseUrl}/.backstage/health/v1/readiness`)).status, 200);
  });

  it('serves the status to admins only', async () => {
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/dynamic-plugins/status`)).status, 401);
    const token = await signInAsGuest(asNonAdmin.baseUrl);
    const res = await fetch(`${asNonAdmin.baseUrl}/api/dynamic-plugins/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 403);
  });
});
