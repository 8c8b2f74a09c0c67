import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { classifySpec } from '../spec/classify';
import { resolvePluginConfig } from './layers';
import { mergePluginConfigs } from './merge';
import { parsePluginConfig } from './parse';

function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-config-'));
}

function write(dir: string, name: string, text: string) {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

async function expectInstallError(promise: Promise<unknown> | (() => unknown), code: string, message: RegExp) {
  let error: unknown;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InstallError);
  expect((error as InstallError).code).toBe(code);
  expect((error as Error).message).toMatch(message);
}

describe('parsePluginConfig', () => {
  it('names file, line and column of malformed YAML', async () => {
    await expectInstallError(
      () => parsePluginConfig('plugins:\n  - package: a\n    integrity: [unclosed\n', '/x/dynamic-plugins.yaml'),
      'INVALID_CONFIG',
      /^\/x\/dynamic-plugins\.yaml:\d+:\d+: invalid YAML/,
    );
  });

  it('names the line and key of a value of the wrong type', async () => {
    await expectInstallError(
      () => parsePluginConfig('plugins:\n  - package: a\n    disabled: "yes"\n', 'f.yaml'),
      'INVALID_CONFIG',
      /^f\.yaml:3:15: plugins\[0\]\.disabled must be true or false/,
    );
  });

  it('refuses an entry without a package', async () => {
    await expectInstallError(
      () => parsePluginConfig('plugins:\n  - disabled: true\n', 'f.yaml'),
      'INVALID_CONFIG',
      /^f\.yaml:2:5: plugins\[0\] has no 'package'/,
    );
  });

  it('refuses an unknown pull policy', async () => {
    await expectInstallError(
      () => parsePluginConfig('plugins:\n  - package: a\n    pullPolicy: Sometimes\n', 'f.yaml'),
      'INVALID_CONFIG',
      /pullPolicy must be IfNotPresent or Always/,
    );
  });

  it('warns about unknown keys instead of ignoring them silently', () => {
    const parsed = parsePluginConfig('plugins:\n  - package: a\n    integrty: sha512-x\nextra: 1\n', 'f.yaml');
    expect(parsed.warnings).toEqual([
      "f.yaml:3:5: unknown key 'integrty' in plugins[0] is ignored",
      "f.yaml:4:1: unknown top-level key 'extra' is ignored",
    ]);
  });

  it('treats an empty file as no plugins', () => {
    expect(parsePluginConfig('', 'f.yaml').plugins).toEqual([]);
    expect(parsePluginConfig('plugins:\n', 'f.yaml').plugins).toEqual([]);
  });
});

describe('pluginKey', () => {
  it.each([
    ['@scope/name@1.2.3', '@scope/name'],
    ['@scope/name', '@scope/name'],
    ['name@^1.0.0', 'name'],
    ['name@latest', 'name'],
    ['alias@npm:real-pkg@1.0.0', 'alias@npm:real-pkg'],
    ['./dynamic-plugins/dist/foo', './dynamic-plugins/dist/foo'],
    ['https://example.com/foo-1.0.0.tgz', 'https://example.com/foo-1.0.0.tgz'],
    ['oci://quay.io/org/plugins:bs_1.55.0__1.0.0!foo', 'oci://quay.io/org/plugins!foo'],
    ['oci://127.0.0.1:5000/org/plugins@sha256:abcd!foo', 'oci://127.0.0.1:5000/org/plugins!foo'],
    ['oci://127.0.0.1:5000/org/plugins:{{inherit}}!foo', 'oci://127.0.0.1:5000/org/plugins!foo'],
  ])('identifies %s as %s', (spec, key) => {
    expect(classifySpec(spec).key).toBe(key);
  });
});

describe('resolvePluginConfig', () => {
  it('treats a missing top-level file as no plugins', async () => {
    const resolved = await resolvePluginConfig(path.join(tempDir(), 'missing.yaml'));
    expect(resolved.plugins).toEqual([]);
  });

  it('lets the including file override included entries key by key', async () => {
    const dir = tempDir();
    write(
      dir,
      'defaults.yaml',
      'plugins:\n  - package: "@acme/a@1.0.0"\n    integrity: sha512-old\n    disabled: true\n    pluginConfig: { a: { x: 1 } }\n  - package: "@acme/b@2.0.0"\n    integrity: sha512-b\n',
    );
    const top = write(
      dir,
      'dynamic-plugins.yaml',
      'includes: [defaults.yaml]\nplugins:\n  - package: "@acme/a@1.1.0"\n    disabled: false\n',
    );
    const { plugins } = await resolvePluginConfig(top);
    const a = plugins.find(p => p.key === '@acme/a')!;
    expect(a.package).toBe('@acme/a@1.1.0');
    expect(a.integrity).toBe('sha512-old');
    expect(a.isEnabled).toBe(true);
    expect(a.pluginConfig).toEqual({ a: { x: 1 } });
    expect(a.locations.map(l => path.basename(l.file))).toEqual(['defaults.yaml', 'dynamic-plugins.yaml']);
    expect(plugins.find(p => p.key === '@acme/b')!.isEnabled).toBe(true);
  });

  it('applies a marketplace layer file over base and includes, key by key', async () => {
    const dir = tempDir();
    write(dir, 'defaults.yaml', 'plugins:\n  - package: "@acme/a@1.0.0"\n    integrity: sha512-a\n');
    const top = write(
      dir,
      'dynamic-plugins.yaml',
      'includes: [defaults.yaml]\nplugins:\n  - package: ./dist/bundled\n    locked: true\n  - package: "@acme/b@2.0.0"\n    integrity: sha512-b\n',
    );
    const layerDir = tempDir();
    const layerFile = write(
      layerDir,
      'layer.yaml',
      'plugins:\n  - package: "@acme/a@1.1.0"\n    integrity: sha512-new\n  - package: ./dist/bundled\n    disabled: true\n  - package: "@acme/c@3.0.0"\n    integrity: sha512-c\n    pluginConfig: { c: 1 }\n',
    );
    const resolved = await resolvePluginConfig(top, { layerFile });
    const byKey = Object.fromEntries(resolved.plugins.map(p => [p.key, p]));
    expect(byKey['@acme/a'].package).toBe('@acme/a@1.1.0');
    expect(byKey['@acme/a'].integrity).toBe('sha512-new');
    // The same relative path is the same key in both files: the layer can disable a bundled plugin.
    expect(byKey['./dist/bundled'].isEnabled).toBe(false);
    expect(byKey['./dist/bundled'].locked).toBe(true);
    expect(byKey['@acme/b'].isEnabled).toBe(true);
    expect(byKey['@acme/c'].pluginConfig).toEqual({ c: 1 });
    expect(resolved.files).toEqual([top, path.join(dir, 'defaults.yaml'), layerFile]);
    expect(resolved.warnings).toEqual([]);
  });

  it('replaces pluginConfig whole instead of merging it across layers', async () => {
    const dir = tempDir();
    write(dir, 'inc.yaml', 'plugins:\n  - package: a\n    pluginConfig: { a: 1, b: 2 }\n');
    const top = write(dir, 'top.yaml', 'includes: [inc.yaml]\nplugins:\n  - package: a\n    pluginConfig: { c: 3 }\n');
    const { plugins } = await resolvePluginConfig(top);
    expect(plugins[0].pluginConfig).toEqual({ c: 3 });
  });

  it('lets enabled win over disabled when both are set, with a warning', async () => {
    const dir = tempDir();
    const top = write(dir, 'top.yaml', 'plugins:\n  - package: a\n    disabled: true\n    enabled: true\n');
    const { plugins, warnings } = await resolvePluginConfig(top);
    expect(plugins[0].isEnabled).toBe(true);
    expect(warnings.join('\n')).toMatch(/both 'enabled' and 'disabled'/);
  });

  it('reports the same plugin twice in one file with both places', async () => {
    const dir = tempDir();
    const top = write(dir, 'top.yaml', 'plugins:\n  - package: a@1\n  - package: a@2\n');
    await expectInstallError(
      resolvePluginConfig(top),
      'DUPLICATE_PLUGIN',
      /Duplicate plugin configuration for a: .*top\.yaml:2:5 and .*top\.yaml:3:5/,
    );
  });

  it('takes the tag of an OCI image from the included file with {{inherit}}', async () => {
    const dir = tempDir();
    write(dir, 'inc.yaml', 'plugins:\n  - package: oci://127.0.0.1:5000/p:1.0.0!foo\n    disabled: true\n');
    const top = write(dir, 'top.yaml', 'includes: [inc.yaml]\nplugins:\n  - package: oci://127.0.0.1:5000/p:{{inherit}}!foo\n    disabled: false\n');
    const { plugins } = await resolvePluginConfig(top);
    expect(plugins).toHaveLength(1);
    expect(plugins[0].package).toBe('oci://127.0.0.1:5000/p:1.0.0!foo');
    expect(plugins[0].isEnabled).toBe(true);
  });

  it('refuses {{inherit}} with nothing to inherit from', async () => {
    const dir = tempDir();
    const top = write(dir, 'top.yaml', 'plugins:\n  - package: oci://127.0.0.1:5000/p:{{inherit}}!foo\n');
    await expectInstallError(resolvePluginConfig(top), 'NOTHING_TO_INHERIT', /top\.yaml:2:5/);
  });

  it('names the include line when an included file is missing', async () => {
    const dir = tempDir();
    const top = write(dir, 'top.yaml', 'includes:\n  - nope.yaml\nplugins: []\n');
    await expectInstallError(resolvePluginConfig(top), 'CONFIG_UNREADABLE', /top\.yaml:2:5: included file .*nope\.yaml/);
  });
});

describe('mergePluginConfigs', () => {
  const plugin = (key: string, pluginConfig: Record<string, unknown>, isEnabled = true) =>
    ({ key, package: key, spec: classifySpec(key), pluginConfig, isEnabled, locations: [], keyLocations: {}, location: { file: 'f', line: 1, col: 1 } });

  it('deep-merges the config of enabled plugins only', () => {
    expect(
      mergePluginConfigs([
        plugin('a', { dynamicPlugins: { frontend: { a: { x: 1 } } } }),
        plugin('b', { dynamicPlugins: { frontend: { b: { y: 2 } } } }),
        plugin('c', { ignored: true }, false),
      ]),
    ).toEqual({ dynamicPlugins: { frontend: { a: { x: 1 }, b: { y: 2 } } } });
  });

  it('accepts the same key with the same value from two plugins', () => {
    expect(mergePluginConfigs([plugin('a', { k: { v: [1, 2] } }), plugin('b', { k: { v: [1, 2] } })])).toEqual({ k: { v: [1, 2] } });
  });

  it('names the dotted key and both plugins when two plugins disagree', () => {
    expect(() => mergePluginConfigs([plugin('a', { k: { v: 1 } }), plugin('b', { k: { v: 2 } })])).toThrow(
      "Config key 'k.v' defined differently for 2 dynamic plugins: a and b",
    );
  });
});

describe('prototype keys', () => {
  const plugin = (key: string, pluginConfig: Record<string, unknown>) =>
    ({ key, package: key, spec: classifySpec(key), pluginConfig, isEnabled: true, locations: [], keyLocations: {}, location: { file: 'f', line: 1, col: 1 } });
  afterEach(() => {
    delete (Object.prototype as any).polluted;
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s anywhere in the file, naming its place', key => {
    const text = `plugins:\n  - package: a\n    pluginConfig:\n      app:\n        ${key}:\n          polluted: yes\n`;
    expect(() => parsePluginConfig(text, 'f.yaml')).toThrow(
      expect.objectContaining({
        code: 'INVALID_CONFIG',
        message: `f.yaml:5:9: the key '${key}' is not allowed (it would reach the prototype of JavaScript objects)`,
      }),
    );
    expect(() => parsePluginConfig(`${key}: 1\n`, 'f.yaml')).toThrow(/^f\.yaml:1:1: the key/);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('leaves Object.prototype untouched when merging a config that holds __proto__ anyway', async () => {
    const dir = tempDir();
    const file = write(dir, 'dynamic-plugins.yaml', 'plugins:\n  - package: ./a\n    pluginConfig:\n      __proto__:\n        polluted: yes\n');
    await expectInstallError(resolvePluginConfig(file), 'INVALID_CONFIG', /dynamic-plugins\.yaml:4:7: the key '__proto__'/);
    // Defense in depth: a config built in code with the key as an own property.
    const evil = JSON.parse('{"__proto__": {"polluted": "yes"}, "app": {"__proto__": {"polluted": "yes"}}}');
    const merged = mergePluginConfigs([plugin('a', evil), plugin('b', { app: { title: 'x' } })]);
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.keys(merged)).toEqual(['__proto__', 'app']);
  });
});
