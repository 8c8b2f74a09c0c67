import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { cleanupTempDirs, testOptions } from '../../testing/ociTestkit';
import { publishRhdhCatalogIndex, rhdhIndexFiles, RHDH_DEFAULT_PLUGINS_FILE, type RhdhIndexItem } from './rhdhIndex';
import { readCatalog } from '.';
import YAML from 'yaml';

const DIGEST = `sha256:${'b'.repeat(64)}`;

/** Two published entries as `devportal catalog build --publish` hands them over (packages by digest into one image). */
function items(host: string): RhdhIndexItem[] {
  return [
    {
      entry: {
        id: 'catalog-github',
        title: 'GitHub discovery',
        description: 'Registers the catalog-info.yaml files of GitHub repositories.',
        name: '@backstage/plugin-catalog-backend-module-github',
        kind: 'module',
        source: 'oci',
        category: 'Catalog',
        icon: 'github',
        readme: 'Finds `catalog-info.yaml` in every repository.',
        needs: 'A GitHub token.',
        defaultConfig: { catalog: { providers: { github: { org: { organization: '${GITHUB_ORG}' } } } } },
        versions: [
          {
            version: '0.14.0',
            package: `oci://${host}/devportal/catalog@${DIGEST}!backstage-plugin-catalog-backend-module-github-dynamic`,
            backstageVersion: '1.55.0',
          },
        ],
      },
      role: 'backend-plugin-module',
    },
    {
      entry: {
        id: 'tech-radar',
        title: 'Tech Radar',
        description: 'A radar of the technologies in use.',
        name: '@backstage-community/plugin-tech-radar',
        kind: 'frontend',
        source: 'oci',
        category: 'Discovery',
        versions: [{ version: '1.9.0', package: `oci://${host}/devportal/catalog@${DIGEST}!backstage-community-plugin-tech-radar` }],
      },
      // A role the reader does not know for this kind is replaced by the kind's own.
      role: 'unknown',
    },
  ];
}

describe('the RHDH catalog index a catalog build publishes', () => {
  let registry: StartedRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
    cleanupTempDirs();
  });

  it('writes dynamic-plugins.default.yaml with every plugin off and its default config', () => {
    const files = rhdhIndexFiles(items('registry.example'));
    expect(Object.keys(files).sort()).toEqual([
      'catalog-entities/extensions/packages/catalog-github.yaml',
      'catalog-entities/extensions/packages/tech-radar.yaml',
      'catalog-entities/extensions/plugins/catalog-github.yaml',
      'catalog-entities/extensions/plugins/tech-radar.yaml',
      RHDH_DEFAULT_PLUGINS_FILE,
    ]);
    expect(YAML.parse(files[RHDH_DEFAULT_PLUGINS_FILE])).toEqual({
      plugins: [
        {
          package: `oci://registry.example/devportal/catalog@${DIGEST}!backstage-plugin-catalog-backend-module-github-dynamic`,
          disabled: true,
          pluginConfig: { catalog: { providers: { github: { org: { organization: '${GITHUB_ORG}' } } } } },
        },
        { package: `oci://registry.example/devportal/catalog@${DIGEST}!backstage-community-plugin-tech-radar`, disabled: true },
      ],
    });
  });

  it('is read back by the installer as the same entries, packages and digests', async () => {
    const reference = `oci://${registry.host}/devportal/catalog:1-index`;
    const published = items(registry.host);
    const { digest } = await publishRhdhCatalogIndex({ reference, items: published });
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const { entries, errors } = await readCatalog([{ type: 'oci', image: reference }], { env: testOptions().env });
    expect(errors).toEqual([]);
    // What RHDH's format has no field for is not expected back: `needs` (the list file keeps it).
    const expected = published.map(({ entry: { needs: _needs, ...entry } }) => ({ ...entry, origin: reference }));
    expect(entries).toEqual([
      { ...expected[0], environment: ['GITHUB_ORG'] },
      expected[1],
    ]);
  });
});
