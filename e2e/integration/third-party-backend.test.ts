import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getJson, repoRoot, signInAsGuest, startBackend, type StartedBackend } from '../support/backend.ts';
import { waitFor } from '../support/ports.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * Real backend plugins nobody here wrote, as a platform team would add them:
 * exported with `devportal plugin export --from-npm` (done by
 * `./devportal test` set-up, see scripts/lib/test.sh), published to a local
 * npm registry and a local OCI registry, installed through
 * dynamic-plugins.yaml and loaded by the built backend. Plus one package
 * published in RHDH's `-dynamic` format, installed unchanged: the ones in the
 * registry here (janus-idp, Backstage 1.28) declare backend-plugin-api
 * ^0.7.0 and take the scaffolder extension point from
 * `plugin-scaffolder-node/alpha`, where Backstage has since moved it out of;
 * the loader accepts the pre-1.0 range with a warning and gives `/alpha`
 * requests the moved names, so it loads and its action is listed.
 */
const fixtures = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const exported = (folder: string) => path.join(fixtures, 'exported', folder);
const RHDH_REGEX = '@janus-idp/backstage-scaffolder-backend-module-regex-dynamic';

describe('third-party backend plugins', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  let upstream: http.Server;
  let backend: StartedBackend;
  let token: string;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-third-party-'));

  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio(), startRegistry()]);
    // What the proxy plugin forwards to; it also serves the catalog files
    // below, since $openapi placeholders resolve against URL locations only.
    upstream = http.createServer((req, res) => {
      if (req.url!.startsWith('/catalog/')) {
        const file = path.join(work, 'catalog', path.basename(req.url!));
        if (fs.existsSync(file)) return res.writeHead(200, { 'content-type': 'text/yaml' }).end(fs.readFileSync(file));
        return res.writeHead(404).end();
      }
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ upstream: true, path: req.url }));
    });
    await new Promise<void>(resolve => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamPort = (upstream.address() as { port: number }).port;

    // proxy-backend from npm; the openapi catalog module and Roadie's
    // scaffolder actions from one OCI image; the RHDH package from npm as published.
    // Published with our own `plugin publish --npm`, authenticated from .npmrc.
    fs.writeFileSync(path.join(work, '.npmrc'), `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
    const published = JSON.parse(
      execFileSync(process.execPath, [cli, 'plugin', 'publish', '--npm', npm.url, '--json', exported('backstage-plugin-proxy-backend-dynamic')], { cwd: work }).toString(),
    );
    const proxy = published.packages[0];
    const rhdhTarball = fs.readdirSync(path.join(fixtures, 'rhdh')).find(f => f.endsWith('.tgz'))!;
    const regex = await npm.publishTarball(path.join(fixtures, 'rhdh', rhdhTarball));
    const image = `oci://${oci.host}/community/plugins:1.0.0`;
    execFileSync(process.execPath, [
      cli, 'plugin', 'publish', '--oci', image,
      exported('backstage-plugin-catalog-backend-module-openapi-dynamic'),
      exported('roadiehq-scaffolder-backend-module-utils-dynamic'),
    ]);

    // An API whose definition is assembled by the openapi module's $openapi placeholder.
    fs.mkdirSync(path.join(work, 'catalog'));
    fs.writeFileSync(path.join(work, 'catalog/schemas.yaml'), 'Pet:\n  type: object\n  properties:\n    name: { type: string, description: resolved-by-openapi-module }\n');
    fs.writeFileSync(
      path.join(work, 'catalog/openapi.yaml'),
      "openapi: 3.0.0\ninfo: { title: Pets, version: '1' }\npaths: {}\ncomponents:\n  schemas:\n    Pet:\n      $ref: './schemas.yaml#/Pet'\n",
    );
    fs.writeFileSync(
      path.join(work, 'catalog/api.yaml'),
      'apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: { name: pets-api }\nspec:\n  type: openapi\n  lifecycle: production\n  owner: group:default/team-web\n  definition:\n    $openapi: ./openapi.yaml\n',
    );

    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    fs.writeFileSync(
      path.join(work, 'dynamic-plugins.yaml'),
      [
        'plugins:',
        `  - package: "@backstage/plugin-proxy-backend@${proxy.version}"`,
        `    integrity: ${proxy.integrity}`,
        '    pluginConfig:',
        '      proxy:',
        '        endpoints:',
        `          /upstream: { target: "http://127.0.0.1:${upstreamPort}", allowedHeaders: [] }`,
        `  - package: ${image}!backstage-plugin-catalog-backend-module-openapi-dynamic`,
        `  - package: ${image}!roadiehq-scaffolder-backend-module-utils-dynamic`,
        `  - package: "${RHDH_REGEX}@${regex.version}"`,
        `    integrity: ${regex.integrity}`,
        '',
      ].join('\n'),
    );
    const root = path.join(work, 'dynamic-plugins-root');
    execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', root], {
      cwd: work,
      env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'none') },
    });

    backend = await startBackend({
      configFiles: [path.join(root, 'app-config.dynamic-plugins.yaml')],
      config: {
        backend: {
          database: { client: 'better-sqlite3', connection: ':memory:' },
          reading: { allow: [{ host: `127.0.0.1:${upstreamPort}` }] },
        },
        catalog: {
          rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Domain', 'User', 'Group', 'Template'] }],
          locations: [{ type: 'url', target: `http://127.0.0.1:${upstreamPort}/catalog/api.yaml` }],
        },
      },
      withBundledPlugins: false,
    });
    token = await signInAsGuest(backend.baseUrl);
  });

  after(async () => {
    await backend?.stop();
    upstream?.close();
    await Promise.all([npm?.stop(), oci?.stop()]);
  });

  it('reports every third-party plugin loaded', async () => {
    const { plugins } = await getJson(`${backend.baseUrl}/api/dynamic-plugins/status`, token);
    const byName = Object.fromEntries(plugins.map((p: any) => [p.package, p]));
    for (const name of ['@backstage/plugin-proxy-backend', '@backstage/plugin-catalog-backend-module-openapi', '@roadiehq/scaffolder-backend-module-utils', RHDH_REGEX]) {
      assert.equal(byName[name]?.state, 'loaded', `${name}: ${JSON.stringify(byName[name])}`);
    }
    assert.equal(byName['@backstage/plugin-proxy-backend'].source, 'npm');
    assert.equal(byName['@roadiehq/scaffolder-backend-module-utils'].source, 'oci');
  });

  it('loads the RHDH -dynamic package, built for Backstage 1.28, unchanged, with a warning naming its pre-1.0 API range', async () => {
    // No ignoreCompatibility override: ^0.7.0 is accepted on this 1.x host,
    // logged; its scaffolderActionsExtensionPoint, taken from
    // `plugin-scaffolder-node/alpha`, is the host's (now in the main entry).
    assert.match(backend.logs(), /regex-dynamic declares @backstage\/backend-plugin-api \^0\.7\.0 \(pre-1\.0\), the host has 1\.10\.1: accepted/);
    const { plugins } = await getJson(`${backend.baseUrl}/api/dynamic-plugins/status`, token);
    const regex = plugins.find((p: any) => p.package === RHDH_REGEX);
    assert.equal(regex.state, 'loaded', JSON.stringify(regex));
    const actions = await getJson<any[]>(`${backend.baseUrl}/api/scaffolder/v2/actions`, token);
    assert.ok(actions.some(a => a.id === 'regex:replace'), actions.map(a => a.id).join(', '));
  });

  it('proxies through the proxy-backend route configured in dynamic-plugins.yaml', async () => {
    const res = await fetch(`${backend.baseUrl}/api/proxy/upstream/some/path`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { upstream: true, path: '/some/path' });
  });

  it("lists Roadie's scaffolder actions", async () => {
    const actions = await getJson<any[]>(`${backend.baseUrl}/api/scaffolder/v2/actions`, token);
    const ids = actions.map(a => a.id);
    assert.ok(ids.includes('roadiehq:utils:fs:write'), ids.join(', '));
    assert.ok(ids.includes('roadiehq:utils:jsonata'), ids.join(', '));
  });

  it('resolves $openapi definitions with the openapi catalog module', async () => {
    const entity = await waitFor('the pets API in the catalog', async () => {
      const res = await fetch(`${backend.baseUrl}/api/catalog/entities/by-name/api/default/pets-api`, { headers: { authorization: `Bearer ${token}` } });
      return res.ok ? res.json() : undefined;
    }, 60_000, 1000).catch(error => {
      const related = backend.logs().split("\n").filter(l => /"level":"(warn|error)"/.test(l) && !/baseUrl is set/.test(l)).slice(-6).join("\n");
      throw new Error(`${error.message}\n${related}`);
    });
    assert.match(entity.spec.definition, /resolved-by-openapi-module/);
  });
});
