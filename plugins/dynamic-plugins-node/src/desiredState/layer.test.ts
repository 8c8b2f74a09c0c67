import { applyChange, diffEffective, layerDocument } from './layer';

describe('applyChange', () => {
  const bundled = { package: './dynamic-plugins/dist/home', locked: false };

  it('installs, configures, disables and re-enables a plugin in the layer', () => {
    let layer = applyChange([], { key: '@acme/a', action: 'install', package: '@acme/a@1.0.0', integrity: 'sha512-a' }, undefined);
    expect(layer).toEqual([{ key: '@acme/a', package: '@acme/a@1.0.0', integrity: 'sha512-a', disabled: false }]);
    layer = applyChange(layer, { key: '@acme/a', action: 'configure', package: '@acme/a', pluginConfig: { a: 1 } }, undefined);
    layer = applyChange(layer, { key: '@acme/a', action: 'disable', package: '@acme/a' }, undefined);
    expect(layer).toEqual([{ key: '@acme/a', package: '@acme/a@1.0.0', integrity: 'sha512-a', disabled: true, pluginConfig: { a: 1 } }]);
    // An upgrade keeps the config unless the change brings one.
    layer = applyChange(layer, { key: '@acme/a', action: 'install', package: '@acme/a@2.0.0', integrity: 'sha512-b' }, undefined);
    expect(layer[0]).toMatchObject({ package: '@acme/a@2.0.0', integrity: 'sha512-b', disabled: false, pluginConfig: { a: 1 } });
  });

  it('disables a plugin of the base file instead of removing it, and removes one the marketplace added', () => {
    const layer = applyChange([], { key: './dynamic-plugins/dist/home', action: 'uninstall', package: './dynamic-plugins/dist/home' }, bundled);
    expect(layer).toEqual([{ key: './dynamic-plugins/dist/home', package: './dynamic-plugins/dist/home', disabled: true }]);
    const added = applyChange([], { key: '@acme/a', action: 'install', package: '@acme/a@1.0.0' }, undefined);
    expect(applyChange(added, { key: '@acme/a', action: 'uninstall', package: '@acme/a' }, undefined)).toEqual([]);
  });

  it('refuses to configure or enable what is neither in the base nor in the layer', () => {
    expect(() => applyChange([], { key: 'nope', action: 'enable', package: 'nope' }, undefined)).toThrow('nope is not installed');
  });

  it('writes the layer as a plugins list without keys', () => {
    expect(layerDocument([{ key: 'k', package: 'k@1', disabled: true }])).toEqual({ plugins: [{ package: 'k@1', disabled: true }] });
  });
});

describe('diffEffective', () => {
  it('names added, removed, version, enable/disable and config changes, ignoring key order', () => {
    const before = [
      { key: 'a', package: 'a@1', enabled: true, pluginConfig: { x: 1, y: 2 } },
      { key: 'b', package: 'b@1', enabled: true },
      { key: 'c', package: 'c@1', enabled: true },
    ];
    const after = [
      { key: 'a', package: 'a@2', enabled: true, pluginConfig: { y: 2, x: 1 } },
      { key: 'b', package: 'b@1', enabled: false, pluginConfig: { z: 1 } },
      { key: 'd', package: 'd@1', enabled: true },
    ];
    expect(diffEffective(before, after)).toEqual([
      { key: 'a', change: 'version', from: 'a@1', to: 'a@2' },
      { key: 'b', change: 'disabled' },
      { key: 'b', change: 'config' },
      { key: 'd', change: 'added', to: 'd@1' },
      { key: 'c', change: 'removed', from: 'c@1' },
    ]);
  });
});
