import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { pushImage } from '../publish/push';
import { cleanupTempDirs, tempDir, testOptions } from '../../testing/ociTestkit';
import { readCatalog } from '.';

jest.setTimeout(60_000);
afterAll(() => cleanupTempDirs());

/**
 * A catalog index image in RHDH's layout (rhdh-plugin-export-overlays'
 * generateCatalogIndex.py output): dynamic-plugins.default.yaml at the root,
 * Plugin and Package entities under catalog-entities/extensions/, all.yaml
 * Location files beside them.
 */
const ENTITIES: Record<string, string> = {
  'dynamic-plugins.default.yaml': 'plugins:\n  - package: oci://ghcr.io/example/quotes:bs_1.52.0__1.2.0\n    disabled: true\n',
  'index.json': '{}',
  'catalog-entities/extensions/plugins/all.yaml': `apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: plugins
spec:
  targets: [./quotes.yaml]
`,
  'catalog-entities/extensions/plugins/quotes.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Plugin
metadata:
  name: quotes
  namespace: rhdh
  title: Quotes
  description: A quote of the day on the home page.
spec:
  categories: [Fun, Home]
  highlights:
    - One quote a day
  description: |
    ## Quotes
    Shows a quote.
  icon: data:image/svg+xml;base64,
    PHN2Zz48L3N2Zz4=
  packages:
    - quotes-frontend
    - name: quotes-backend # some RHDH entities write { name }
`,
  'catalog-entities/extensions/packages/quotes-frontend.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: quotes-frontend
  namespace: rhdh
  title: Quotes Frontend
spec:
  packageName: '@example/plugin-quotes'
  # Tag: bs_1.52.0__1.2.0
  dynamicArtifact: oci://ghcr.io/example/quotes:bs_1.52.0__1.2.0!example-plugin-quotes
  version: 1.2.0
  backstage:
    role: frontend-plugin
    supportedVersions: 1.52.0
  partOf: [quotes]
  appConfigExamples:
    - title: Default configuration
      content:
        dynamicPlugins:
          frontend:
            example.plugin-quotes:
              mountPoints:
                - mountPoint: home.page/cards
                  importName: QuoteCard
        quotes:
          apiKey: \${QUOTES_API_KEY}
`,
  'catalog-entities/extensions/packages/quotes-backend.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: quotes-backend
  namespace: rhdh
  title: Quotes Backend
spec:
  packageName: '@example/plugin-quotes-backend-dynamic'
  dynamicArtifact: '@example/plugin-quotes-backend-dynamic@1.2.0'
  integrity: sha512-AAAA
  version: 1.2.0
  backstage:
    role: backend-plugin
    supportedVersions: 1.52.0
  partOf: [quotes]
  appConfigExamples:
    - title: Default configuration
      content: |
        quotes:
          cache: true
`,
  'catalog-entities/extensions/packages/lonely.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: Lonely_Module
spec:
  packageName: '@example/lonely'
  version: 0.1.0
  role: backend-plugin-module
`,
  'catalog-entities/extensions/packages/bad-role.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: bad-role
spec:
  packageName: '@example/bad-role'
  version: 1.0.0
  backstage:
    role: common-library
`,
  'catalog-entities/extensions/packages/embedded.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: embedded
spec:
  packageName: '@backstage/plugin-techdocs'
  dynamicArtifact: ./dynamic-plugins/dist/backstage-plugin-techdocs
  version: 1.0.0
  backstage:
    role: frontend-plugin
`,
  'catalog-entities/extensions/packages/proto.yaml': `apiVersion: extensions.backstage.io/v1alpha1
kind: Package
metadata:
  name: proto
spec:
  packageName: '@example/proto'
  version: 1.0.0
  backstage:
    role: backend-plugin
  appConfigExamples:
    - content:
        constructor:
          prototype: {}
`,
  'catalog-entities/extensions/packages/broken.yaml': 'kind: Package\nspec: [\n',
  'catalog-entities/extensions/collections/featured.yaml': 'apiVersion: extensions.backstage.io/v1alpha1\nkind: PluginCollection\nmetadata: { name: featured }\nspec: { plugins: [quotes] }\n',
};

function layerOf(files: Record<string, string>): Buffer {
  const dir = tempDir('devportal-catalog-layer-');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, 'root', name)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'root', name), text);
  }
  const out = path.join(dir, 'layer.tar.gz');
  execFileSync('tar', ['-C', path.join(dir, 'root'), '--sort=name', '--owner=0', '--group=0', '--numeric-owner', '-czf', out, '.']);
  return fs.readFileSync(out);
}

describe('OCI sources: RHDH catalog index images', () => {
  let registry: StartedRegistry;

  beforeAll(async () => {
    registry = await startRegistry();
    await pushImage(`oci://${registry.host}/rhdh/plugin-catalog-index:1.10`, { ...testOptions(), layers: [{ data: layerOf(ENTITIES) }] });
    // Two layers: the second replaces one Package file of the first, as an image's filesystem does.
    await pushImage(`oci://${registry.host}/rhdh/plugin-catalog-index:layered`, {
      ...testOptions(),
      layers: [
        { data: layerOf({ 'README.md': 'base layer without entities' }) },
        { data: layerOf(ENTITIES) },
        {
          data: layerOf({
            'catalog-entities/extensions/packages/lonely.yaml': ENTITIES['catalog-entities/extensions/packages/lonely.yaml'].replace('0.1.0', '0.2.0'),
          }),
        },
      ],
    });
    const tiny = layerOf({ 'catalog-entities/extensions/packages/lonely.yaml': ENTITIES['catalog-entities/extensions/packages/lonely.yaml'] });
    await pushImage(`oci://${registry.host}/rhdh/many-layers:1`, { ...testOptions(), layers: Array.from({ length: 17 }, () => ({ data: tiny })) });
    await pushImage(`oci://${registry.host}/plugins/not-a-catalog:1.0.0`, { ...testOptions(), layers: [{ data: layerOf({ 'plugin/package.json': '{}' }) }] });
  });
  afterAll(() => registry?.stop());

  it('maps each Package to an entry titled and categorised from its Plugin; each bad file is one error with file:line and key', async () => {
    const image = `${registry.host}/rhdh/plugin-catalog-index:1.10`;
    const { entries, errors } = await readCatalog([{ type: 'oci', image }], { env: testOptions().env });
    const origin = `oci://${image}`;
    expect(entries).toEqual([
      {
        id: 'lonely-module',
        title: '@example/lonely',
        description: '',
        name: '@example/lonely',
        kind: 'module',
        source: 'npm',
        category: 'Other',
        versions: [{ version: '0.1.0', package: '@example/lonely@0.1.0' }],
        needsExport: true,
        origin,
      },
      {
        id: 'quotes-backend',
        title: 'Quotes: Quotes Backend',
        description: 'A quote of the day on the home page.',
        name: '@example/plugin-quotes-backend-dynamic',
        kind: 'backend',
        source: 'npm',
        category: 'Fun',
        versions: [{ version: '1.2.0', package: '@example/plugin-quotes-backend-dynamic@1.2.0', integrity: 'sha512-AAAA', backstageVersion: '1.52.0' }],
        icon: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
        readme: '## Quotes\nShows a quote.\n\n## Highlights\n\n- One quote a day',
        defaultConfig: { quotes: { cache: true } },
        companions: ['quotes-frontend'],
        origin,
      },
      {
        id: 'quotes-frontend',
        title: 'Quotes: Quotes Frontend',
        description: 'A quote of the day on the home page.',
        name: '@example/plugin-quotes',
        kind: 'frontend',
        source: 'oci',
        category: 'Fun',
        versions: [
          { version: '1.2.0', package: 'oci://ghcr.io/example/quotes:bs_1.52.0__1.2.0!example-plugin-quotes', backstageVersion: '1.52.0' },
        ],
        icon: 'data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=',
        readme: '## Quotes\nShows a quote.\n\n## Highlights\n\n- One quote a day',
        defaultConfig: {
          dynamicPlugins: { frontend: { 'example.plugin-quotes': { mountPoints: [{ mountPoint: 'home.page/cards', importName: 'QuoteCard' }] } } },
          quotes: { apiKey: '${QUOTES_API_KEY}' },
        },
        environment: ['QUOTES_API_KEY'],
        companions: ['quotes-backend'],
        origin,
      },
    ]);
    const file = (name: string) => `${origin} catalog-entities/extensions/packages/${name}`;
    expect(errors).toEqual([
      `${file('bad-role.yaml')}:9: spec.backstage.role: 'common-library' is not a plugin role (frontend-plugin, frontend-plugin-module, backend-plugin, backend-plugin-module)`,
      expect.stringMatching(new RegExp(`^${file('broken.yaml').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: invalid YAML`)),
      `${file('embedded.yaml')}:7: spec.dynamicArtifact: ./dynamic-plugins/dist/backstage-plugin-techdocs is a folder inside RHDH's own image; this portal has no copy of it, so the package is not offered`,
      `${file('proto.yaml')}:12: constructor: this key is not allowed (it would reach the prototype of JavaScript objects)`,
    ]);
  });

  it('applies layers in order and skips layers without the entities folder', async () => {
    const { entries, errors } = await readCatalog([{ type: 'oci', image: `oci://${registry.host}/rhdh/plugin-catalog-index:layered` }], {
      env: testOptions().env,
    });
    expect(errors).toHaveLength(4);
    expect(entries.find(e => e.id === 'lonely-module')?.versions[0].version).toBe('0.2.0');
  });

  it('gives one error naming the image when it is missing, is not a catalog index, or its layer is over the limit', async () => {
    const env = testOptions().env;
    const { entries, errors } = await readCatalog(
      [
        { type: 'oci', image: `${registry.host}/rhdh/missing:1.0` },
        { type: 'oci', image: `${registry.host}/plugins/not-a-catalog:1.0.0` },
        { type: 'oci', image: `${registry.host}/plugins/not-a-catalog:1.0.0!plugin` },
      ],
      { env, retries: 0 },
    );
    expect(entries).toEqual([]);
    expect(errors).toEqual([
      expect.stringContaining(`${registry.host}/rhdh/missing:1.0`),
      `oci://${registry.host}/plugins/not-a-catalog:1.0.0: the image has no catalog-entities/extensions/ folder; is it an RHDH catalog index image?`,
      `oci://${registry.host}/plugins/not-a-catalog:1.0.0!plugin: a catalog index image is read whole; remove the '!folder' part`,
    ]);
    const many = await readCatalog([{ type: 'oci', image: `${registry.host}/rhdh/many-layers:1` }], { env });
    expect(many.errors).toEqual([expect.stringMatching(/many-layers:1.* has 17 layers, over the limit of 16$/)]);
    const small = await readCatalog([{ type: 'oci', image: `${registry.host}/rhdh/plugin-catalog-index:1.10` }], { env, maxImageBytes: 100 });
    expect(small.errors).toEqual([expect.stringMatching(/plugin-catalog-index:1\.10.*(over the limit|larger than)/)]);
  });
});
