import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { renderEffectiveConfig } from './effective';
import { parsePluginConfig } from './parse';

describe('renderEffectiveConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-effective-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('folds the layer into the base where each entry stands, keeping comments, and appends new plugins', async () => {
    const base = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(
      base,
      [
        '# Our plugins',
        'plugins:',
        '  # the home page',
        '  - package: ./dynamic-plugins/dist/home',
        '    enabled: true',
        '  - package: "@acme/a@1.0.0"',
        '    integrity: sha512-old',
        '',
      ].join('\n'),
    );
    const text = await renderEffectiveConfig(base, [
      { package: './dynamic-plugins/dist/home', disabled: true },
      { package: '@acme/a@2.0.0', integrity: 'sha512-new', pluginConfig: { a: { b: 1 } } },
      { package: 'oci://localhost:5000/x:1!x', pluginConfig: {} },
    ]);
    expect(text).toContain('# Our plugins');
    expect(text).toContain('# the home page');
    const parsed = parsePluginConfig(text, 'effective.yaml');
    expect(parsed.plugins.map(({ location: _l, keyLocations: _k, ...entry }) => entry)).toEqual([
      { package: './dynamic-plugins/dist/home', disabled: true },
      { package: '@acme/a@2.0.0', integrity: 'sha512-new', pluginConfig: { a: { b: 1 } } },
      { package: 'oci://localhost:5000/x:1!x', pluginConfig: {} },
    ]);
  });

  it('starts from an empty document when there is no base file', async () => {
    const text = await renderEffectiveConfig(path.join(dir, 'missing.yaml'), [{ package: '@acme/a@1.0.0', integrity: 'sha512-a' }]);
    expect(parsePluginConfig(text, 'x').plugins).toHaveLength(1);
  });
});
