import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { installPlugins } from '../install';
import { checkPresetEnvironment } from '../presets/inputs';
import { listPresets } from '../presets/list';
import { resolvePluginConfig } from './layers';
import { mergePluginConfigs } from './merge';
import { parsePluginConfig } from './parse';

/**
 * Presets in dynamic-plugins.yaml: `presets: [name]` expands to the catalog
 * entries a preset names (marketplace/presets/<name>.yaml referring to
 * marketplace/index/<id>.yaml), below includes, the file and the layer.
 */
const INTEGRITY_A = `sha512-${Buffer.alloc(64, 1).toString('base64')}`;
const INTEGRITY_B = `sha512-${Buffer.alloc(64, 2).toString('base64')}`;

function indexEntry(id: string, name: string, extra = '') {
  return [
    `id: ${id}`,
    `title: ${id} title`,
    `description: The ${id} plugin.`,
    `name: "${name}"`,
    'kind: backend',
    'source: npm',
    'category: Testing',
    'versions:',
    '  - version: 1.0.0',
    `    package: "${name}@1.0.0"`,
    `    integrity: ${id === 'gh-catalog' ? INTEGRITY_A : INTEGRITY_B}`,
    extra,
  ].join('\n');
}

function workspace(config: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-presets-'));
  const write = (name: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  };
  write(
    'marketplace/index/gh-catalog.yaml',
    indexEntry('gh-catalog', '@acme/gh-catalog', 'defaultConfig:\n  catalog:\n    providers:\n      github:\n        token: ${GITHUB_TOKEN}\n'),
  );
  write('marketplace/index/gh-actions.yaml', indexEntry('gh-actions', '@acme/gh-actions', 'environment: [GITHUB_APP_ID]\n'));
  write('marketplace/index/upstream.yaml', indexEntry('upstream', '@acme/upstream', 'needsExport: true\n'));
  write(
    'marketplace/presets/github.yaml',
    [
      'name: github',
      'title: GitHub',
      'description: GitHub org data and CI.',
      'environment: [AUTH_GITHUB_CLIENT_ID]',
      'plugins:',
      '  - entry: gh-catalog',
      '  - entry: gh-actions',
      '    pluginConfig:',
      '      github: { actions: true }',
      '',
    ].join('\n'),
  );
  write(
    'marketplace/presets/gitlab.yaml',
    'name: gitlab\ntitle: GitLab\ndescription: GitLab.\nenvironment: [GITLAB_TOKEN]\nplugins:\n  - entry: gh-catalog\n',
  );
  write('marketplace/presets/upstream.yaml', 'name: upstream\ntitle: U\ndescription: U.\nplugins:\n  - entry: upstream\n');
  const configFile = write('dynamic-plugins.yaml', config);
  return { dir, configFile, write };
}

async function errorOf(promise: Promise<unknown>): Promise<InstallError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  return error as InstallError;
}

describe('presets in dynamic-plugins.yaml', () => {
  it('expands a preset into its catalog entries, with the entry default config or the preset own', async () => {
    const ws = workspace('presets: [github]\nplugins: []\n');
    const config = await resolvePluginConfig(ws.configFile, { presets: { env: {} } });
    expect(config.plugins.map(p => [p.package, p.integrity, p.isEnabled])).toEqual([
      ['@acme/gh-catalog@1.0.0', INTEGRITY_A, true],
      ['@acme/gh-actions@1.0.0', INTEGRITY_B, true],
    ]);
    expect(config.plugins[0].pluginConfig).toEqual({ catalog: { providers: { github: { token: '${GITHUB_TOKEN}' } } } });
    expect(config.plugins[1].pluginConfig).toEqual({ github: { actions: true } });
    // Each entry is placed in its preset file, for every later error about it.
    expect(config.plugins[1].location).toEqual({ file: path.join(ws.dir, 'marketplace/presets/github.yaml'), line: 7, col: 5 });
    expect(config.files).toEqual([
      ws.configFile,
      path.join(ws.dir, 'marketplace/presets/github.yaml'),
      path.join(ws.dir, 'marketplace/index/gh-actions.yaml'),
      path.join(ws.dir, 'marketplace/index/gh-catalog.yaml'),
    ]);
    // Own variables first, then the entries': the default config's ${VAR} or the entry's list (its default config is replaced here).
    expect(config.presets.map(p => [p.name, p.required])).toEqual([['github', ['AUTH_GITHUB_CLIENT_ID', 'GITHUB_TOKEN']]]);
  });

  it('names the file, line and column of an unknown preset and lists the known ones', async () => {
    const ws = workspace('plugins: []\npresets:\n  - github\n  - gitbub\n');
    const error = await errorOf(resolvePluginConfig(ws.configFile, { presets: { env: {} } }));
    expect(error.code).toBe('UNKNOWN_PRESET');
    expect(error.message).toBe(`${ws.configFile}:4:5: presets[1]: unknown preset 'gitbub' (known: github, gitlab, upstream)`);
    const flag = await errorOf(resolvePluginConfig(ws.configFile.replace('dynamic-plugins', 'none'), { presets: { names: ['nope'], env: {} } }));
    expect(flag.message).toBe("--preset or DEVPORTAL_PRESETS: unknown preset 'nope' (known: github, gitlab, upstream)");
  });

  it('refuses a presets value that is not a list of names, at its place', () => {
    expect(() => parsePluginConfig('presets: github\n', 'f.yaml')).toThrow(/^f\.yaml:1:10: 'presets' must be a list$/);
    expect(() => parsePluginConfig('presets:\n  - { name: github }\n', 'f.yaml')).toThrow(
      /^f\.yaml:2:5: presets\[0\] must be a preset name/,
    );
  });

  it('names the preset file, line and key of a bad preset or a missing catalog entry', async () => {
    const ws = workspace('presets: [github]\n');
    ws.write('marketplace/presets/github.yaml', 'name: github\ntitle: G\ndescription: G.\nplugins:\n  - entry: gh-catalog\n    pluginconfig: {}\n');
    const typo = await errorOf(resolvePluginConfig(ws.configFile, { presets: { env: {} } }));
    expect(typo.message).toBe(
      `${path.join(ws.dir, 'marketplace/presets/github.yaml')}:6: plugins[0].pluginconfig: unknown key (known: entry, pluginConfig, disabled)`,
    );
    ws.write('marketplace/presets/github.yaml', 'name: github\ntitle: G\ndescription: G.\nplugins:\n  - entry: gh-catalog\n  - entry: sonar\n');
    const missing = await errorOf(resolvePluginConfig(ws.configFile, { presets: { env: {} } }));
    expect(missing.code).toBe('UNKNOWN_PRESET_ENTRY');
    expect(missing.message).toBe(
      `${path.join(ws.dir, 'marketplace/presets/github.yaml')}:6:5: plugins[1].entry: no catalog entry 'sonar' in ${path.join(ws.dir, 'marketplace/index')}`,
    );
  });

  it('stops with one line listing every unset variable of every preset', async () => {
    const ws = workspace('presets: [github, gitlab]\n');
    const env = { GITHUB_TOKEN: 'x', AUTH_GITHUB_CLIENT_ID: '' };
    const error = await errorOf(checkPresetEnvironment(ws.configFile, { env }, env));
    expect(error.code).toBe('PRESET_ENVIRONMENT');
    expect(error.message).toBe('preset github needs AUTH_GITHUB_CLIENT_ID; preset gitlab needs GITLAB_TOKEN — set them or remove the presets');
    expect(error.message).not.toMatch(/\n/);

    // The installer runs the check before anything else, unchanged installs included.
    const root = path.join(ws.dir, 'root');
    const install = await errorOf(installPlugins({ configFile: ws.configFile, root, env: { GITHUB_TOKEN: 'x' }, presets: [] }));
    expect(install.message).toBe(
      'preset github needs AUTH_GITHUB_CLIENT_ID; preset gitlab needs GITLAB_TOKEN — set them or remove the presets',
    );
    expect(fs.existsSync(root)).toBe(false);
    const one = workspace('presets: [gitlab]\n');
    await expect(checkPresetEnvironment(one.configFile, { env: {} }, { GITHUB_TOKEN: 't' })).rejects.toThrow(
      /^preset gitlab needs GITLAB_TOKEN — set it or remove the preset$/,
    );
    await expect(checkPresetEnvironment(one.configFile, { env: {} }, { GITLAB_TOKEN: 't', GITHUB_TOKEN: 't' })).resolves.toBeUndefined();
    // However the key is written.
    const flow = workspace('{"presets": [gitlab], plugins: []}\n');
    await expect(checkPresetEnvironment(flow.configFile, { env: {} }, { GITHUB_TOKEN: 't' })).rejects.toThrow(/^preset gitlab needs GITLAB_TOKEN/);
  });

  it('lets the file own entries win key by key, then includes, then the marketplace layer', async () => {
    const ws = workspace(
      [
        'presets: [github]',
        'includes: [defaults.yaml]',
        'plugins:',
        '  - package: "@acme/gh-actions@1.0.0"',
        '    pluginConfig:',
        '      github: { actions: false }',
        '',
      ].join('\n'),
    );
    ws.write('defaults.yaml', 'plugins:\n  - package: "@acme/gh-catalog@1.0.0"\n    disabled: true\n');
    const layer = ws.write('layer.yaml', 'plugins:\n  - package: "@acme/gh-catalog@1.0.0"\n    disabled: false\n');
    const config = await resolvePluginConfig(ws.configFile, { presets: { env: {} } });
    const [catalog, actions] = config.plugins;
    // The include disabled the preset's catalog module; everything else it set stays.
    expect([catalog.isEnabled, catalog.package, catalog.integrity]).toEqual([false, '@acme/gh-catalog@1.0.0', INTEGRITY_A]);
    // The file's pluginConfig replaces the preset's whole; its integrity is kept.
    expect([actions.pluginConfig, actions.integrity, actions.locations.length]).toEqual([{ github: { actions: false } }, INTEGRITY_B, 2]);
    expect(mergePluginConfigs(config.plugins)).toEqual({ github: { actions: false } });
    const layered = await resolvePluginConfig(ws.configFile, { layerFile: layer, presets: { env: {} } });
    expect(layered.plugins[0].isEnabled).toBe(true);
  });

  it('adds presets from --preset and DEVPORTAL_PRESETS after the file, each once', async () => {
    const ws = workspace('presets: [gitlab]\n');
    const config = await resolvePluginConfig(ws.configFile, { presets: { names: ['github'], env: { DEVPORTAL_PRESETS: 'gitlab, github' } } });
    expect(config.presets.map(p => p.name)).toEqual(['gitlab', 'github']);
    // gitlab and github both list gh-catalog with the same settings: one plugin.
    expect(config.plugins.map(p => p.key)).toEqual(['@acme/gh-catalog', '@acme/gh-actions']);
    // Another folder, from DEVPORTAL_PRESETS_DIR (relative to the file): none there.
    await expect(
      resolvePluginConfig(ws.configFile, { presets: { env: { DEVPORTAL_PRESETS_DIR: 'elsewhere/presets' } } }),
    ).rejects.toThrow(`there are none in ${path.join(ws.dir, 'elsewhere/presets')}`);
  });

  it('reports the same plugin configured differently by two presets, naming both files', async () => {
    const ws = workspace('presets: [gitlab, github]\n');
    ws.write('marketplace/presets/gitlab.yaml', 'name: gitlab\ntitle: G\ndescription: G.\nplugins:\n  - entry: gh-actions\n');
    const error = await errorOf(resolvePluginConfig(ws.configFile, { presets: { env: {} } }));
    expect(error.message).toBe(
      `Duplicate plugin configuration for @acme/gh-actions: ${path.join(ws.dir, 'marketplace/presets/gitlab.yaml')}:5:5 and ${path.join(ws.dir, 'marketplace/presets/github.yaml')}:7:5`,
    );
  });

  it('refuses an upstream (needsExport) entry unless the file gives its export or disables it', async () => {
    const ws = workspace('presets: [upstream]\n');
    const root = path.join(ws.dir, 'root');
    const error = await errorOf(installPlugins({ configFile: ws.configFile, root, env: {} }));
    expect(error.code).toBe('PRESET_NEEDS_EXPORT');
    expect(error.message).toMatch(/^upstream \(@acme\/upstream@1\.0\.0, preset upstream\): upstream package, not yet exported/);
    ws.write('dynamic-plugins.yaml', 'presets: [upstream]\nplugins:\n  - package: "@acme/upstream"\n    disabled: true\n');
    const outcome = await installPlugins({ configFile: ws.configFile, root, env: {} });
    expect(outcome.plugins.map(p => [p.key, p.status])).toEqual([['@acme/upstream', 'disabled']]);
  });

  it('warns about presets in an included file', async () => {
    const ws = workspace('includes: [inc.yaml]\n');
    ws.write('inc.yaml', 'presets: [github]\nplugins: []\n');
    const config = await resolvePluginConfig(ws.configFile, { presets: { env: {} } });
    expect(config.plugins).toEqual([]);
    expect(config.warnings).toContain(`${path.join(ws.dir, 'inc.yaml')}: 'presets' inside an included file are ignored; list them in ${ws.configFile}`);
  });

  it('lists every preset with its plugins and variables; a broken one is an error line', async () => {
    const ws = workspace('presets: [gitlab]\n');
    ws.write('marketplace/presets/broken.yaml', 'name: broken\ntitle: B\n');
    const listing = await listPresets(ws.configFile, { env: { GITHUB_TOKEN: 't', DEVPORTAL_PRESETS: 'upstream' } });
    expect(listing.presets.filter(p => p.selected).map(p => p.name)).toEqual(['gitlab', 'upstream']);
    expect(listing.presets.map(p => [p.name, p.environment, p.missing, p.plugins.map(x => `${x.entry}=${x.package}`)])).toEqual([
      ['github', ['AUTH_GITHUB_CLIENT_ID', 'GITHUB_TOKEN'], ['AUTH_GITHUB_CLIENT_ID'], ['gh-catalog=@acme/gh-catalog@1.0.0', 'gh-actions=@acme/gh-actions@1.0.0']],
      ['gitlab', ['GITLAB_TOKEN', 'GITHUB_TOKEN'], ['GITLAB_TOKEN'], ['gh-catalog=@acme/gh-catalog@1.0.0']],
      ['upstream', [], [], ['upstream=@acme/upstream@1.0.0']],
    ]);
    expect(listing.errors).toEqual([`${path.join(ws.dir, 'marketplace/presets/broken.yaml')}:1: description: is required`]);
  });
});
