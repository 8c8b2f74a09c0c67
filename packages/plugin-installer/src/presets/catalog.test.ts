import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { installPlugins } from '../install';
import { resolvePluginConfig } from '../config/layers';
import { listPresets } from './list';

/**
 * `presetsCatalog:`: a preset's entry found in the catalog that
 * `devportal catalog build --publish` wrote wins over the index folder's
 * entry of the same id, so upstream (`needsExport`) entries install from
 * their published export.
 */
const IMAGE = `oci://registry.example/devportal/catalog@sha256:${'c'.repeat(64)}`;

/** A portal folder: an index of two upstream entries, two presets, a published catalog with one of them, and `files`. */
function workspace(config: string, files: Record<string, string> = {}) {
  const upstream = (id: string) =>
    [
      `id: ${id}`,
      `title: ${id}`,
      'description: An upstream backend module.',
      `name: "@acme/${id}"`,
      'kind: module',
      'source: npm',
      'category: Catalog',
      'needsExport: true',
      'versions:',
      '  - version: 1.0.0',
      `    package: "@acme/${id}@1.0.0"`,
      `    integrity: sha512-${Buffer.alloc(64, 7).toString('base64')}`,
      'defaultConfig:',
      '  acme: { token: "${ACME_TOKEN}" }',
      '',
    ].join('\n');
  const all: Record<string, string> = {
    'dynamic-plugins.yaml': config,
    'marketplace/index/exported.yaml': upstream('exported'),
    'marketplace/index/unexported.yaml': upstream('unexported'),
    'marketplace/presets/acme.yaml': 'name: acme\ntitle: Acme\ndescription: Acme.\nplugins:\n  - entry: exported\n',
    'marketplace/presets/both.yaml': 'name: both\ntitle: Both\ndescription: Both.\nplugins:\n  - entry: exported\n  - entry: unexported\n',
    // As `catalog build --publish` writes it (packages/cli/src/catalog/publish.ts).
    'published/catalog-index.yaml': [
      '- id: exported',
      '  title: exported',
      '  description: An upstream backend module.',
      '  name: "@acme/exported"',
      '  kind: module',
      '  source: oci',
      '  category: Catalog',
      '  versions:',
      '    - version: 1.0.0',
      `      package: "${IMAGE}!acme-exported-dynamic"`,
      '  defaultConfig:',
      '    acme: { token: "${ACME_TOKEN}" }',
      '',
    ].join('\n'),
    ...files,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-presets-catalog-'));
  for (const [name, text] of Object.entries(all)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return { dir, configFile: path.join(dir, 'dynamic-plugins.yaml') };
}

describe('presetsCatalog', () => {
  it("takes a preset's entry from the published catalog, by id, over the index's upstream entry", async () => {
    const ws = workspace('presets: [acme]\npresetsCatalog: published/catalog-index.yaml\n');
    const config = await resolvePluginConfig(ws.configFile, { presets: { env: {} } });
    expect(config.plugins.map(p => [p.package, p.integrity, p.pluginConfig, p.preset?.needsExport])).toEqual([
      [`${IMAGE}!acme-exported-dynamic`, undefined, { acme: { token: '${ACME_TOKEN}' } }, false],
    ]);
    // `plugins presets` shows what an install takes.
    const listing = await listPresets(ws.configFile, { env: {} });
    expect(listing.presets.find(p => p.name === 'both')?.plugins.map(p => [p.package, p.needsExport])).toEqual([
      [`${IMAGE}!acme-exported-dynamic`, false],
      ['@acme/unexported@1.0.0', true],
    ]);
    // A new publish is a change of the install's inputs.
    expect(config.files).toContain(path.join(ws.dir, 'published/catalog-index.yaml'));
    expect(config.files).not.toContain(path.join(ws.dir, 'marketplace/index/exported.yaml'));
  });

  it('still refuses an upstream entry the published catalog lacks, naming the option', async () => {
    const ws = workspace('presets: [both]\npresetsCatalog: published/catalog-index.yaml\n');
    await expect(installPlugins({ configFile: ws.configFile, root: path.join(ws.dir, 'root'), env: { ACME_TOKEN: 't' } })).rejects.toMatchObject({
      code: 'PRESET_NEEDS_EXPORT',
      message: expect.stringMatching(
        /^unexported \(@acme\/unexported@1\.0\.0, preset both\): upstream package, not yet exported .* or point presetsCatalog: \(--presets-catalog, DEVPORTAL_PRESETS_CATALOG\) at a catalog published by devportal catalog build --publish/,
      ),
    });
  });

  it('names where the catalog was chosen when it cannot be read', async () => {
    const ws = workspace('presets: [acme]\npresetsCatalog: missing.yaml\n');
    await expect(resolvePluginConfig(ws.configFile, { presets: { env: {} } })).rejects.toMatchObject({
      code: 'PRESETS_CATALOG_UNREADABLE',
      message: `${ws.configFile}:2:17: presetsCatalog: cannot read the presets catalog: ${path.join(ws.dir, 'missing.yaml')}: cannot read it (ENOENT)`,
    });
    await expect(resolvePluginConfig(ws.configFile, { presets: { env: { DEVPORTAL_PRESETS_CATALOG: 'nowhere.yaml' } } })).rejects.toThrow(
      `--presets-catalog or DEVPORTAL_PRESETS_CATALOG: cannot read the presets catalog: ${path.join(ws.dir, 'nowhere.yaml')}: cannot read it (ENOENT)`,
    );
  });

  it('comes from the option, else DEVPORTAL_PRESETS_CATALOG, else the file', async () => {
    const ws = workspace('presets: [acme]\npresetsCatalog: missing.yaml\n');
    const packages = async (presets: object) => (await resolvePluginConfig(ws.configFile, { presets })).plugins.map(p => p.package);
    expect(await packages({ env: { DEVPORTAL_PRESETS_CATALOG: 'published/catalog-index.yaml' } })).toEqual([`${IMAGE}!acme-exported-dynamic`]);
    expect(await packages({ env: {}, catalog: path.join(ws.dir, 'published/catalog-index.yaml') })).toEqual([`${IMAGE}!acme-exported-dynamic`]);
  });

  it('is read only when a preset is selected, and only from the top-level file', async () => {
    const elsewhere = 'presetsCatalog: published/catalog-index.yaml\nplugins: []\n';
    const ws = workspace('presetsCatalog: missing.yaml\nincludes: [inc.yaml]\n', { 'inc.yaml': elsewhere, 'layer.yaml': elsewhere });
    const layerFile = path.join(ws.dir, 'layer.yaml');
    // missing.yaml is never read: no preset is selected (an included file's presets are ignored too).
    const { plugins, warnings } = await resolvePluginConfig(ws.configFile, { layerFile, presets: { env: {} } });
    expect(plugins).toEqual([]);
    expect(warnings.filter(w => w.includes('presetsCatalog'))).toEqual([
      `${path.join(ws.dir, 'inc.yaml')}: 'presetsCatalog' in an included file is ignored; set it in ${ws.configFile}`,
      `${layerFile}: 'presetsCatalog' in the marketplace layer is ignored; set it in ${ws.configFile}`,
    ]);
  });

  it('must be one path or reference, with file:line:col', async () => {
    const ws = workspace('presets: [acme]\npresetsCatalog: [a, b]\n');
    await expect(resolvePluginConfig(ws.configFile, { presets: { env: {} } })).rejects.toThrow(
      new InstallError(`${ws.configFile}:2:17: presetsCatalog must be a path to a published catalog file, an https:// URL or an oci:// catalog index image`, 'INVALID_CONFIG'),
    );
  });
});
