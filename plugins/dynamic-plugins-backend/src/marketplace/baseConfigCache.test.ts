import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ResolvedConfig } from '@devportal/plugin-installer';
import { resolveBaseConfig } from './baseConfigCache';

// The installer's layering loads its modules with import(), which jest's
// CommonJS runtime refuses (see marketplace.test.ts). The real, built
// installer is loaded here by Node's own require instead, outside jest's
// module registry, and its resolvePluginConfig is wrapped in a spy that
// counts the reads.
const nativeRequire = process.getBuiltinModule('node:module').createRequire(__filename);
const installer = nativeRequire('@devportal/plugin-installer') as typeof import('@devportal/plugin-installer');
const resolvePluginConfig = jest.fn((file: string) => installer.resolvePluginConfig(file));
jest.mock('@devportal/plugin-installer', () => ({ resolvePluginConfig: (file: string) => resolvePluginConfig(file) }));

/** Writes `text` to `file` and dates it `secondsAgo` in the past (0: now, as written). */
function write(file: string, text: string, secondsAgo: number) {
  fs.writeFileSync(file, text);
  if (secondsAgo > 0) {
    const when = new Date(Date.now() - secondsAgo * 1000);
    fs.utimesSync(file, when, when);
  }
}

/** What the layering made of the files: package and plugin config per plugin, in order. */
function plugins(resolved: ResolvedConfig) {
  return resolved.plugins.map(p => ({ package: p.package, isEnabled: p.isEnabled, pluginConfig: p.pluginConfig }));
}

describe('resolveBaseConfig', () => {
  let dir: string;
  let top: string;
  let included: string;

  beforeEach(() => {
    resolvePluginConfig.mockClear();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'base-config-cache-'));
    top = path.join(dir, 'dynamic-plugins.yaml');
    included = path.join(dir, 'dynamic-plugins.default.yaml');
    // Settled files: a minute old.
    write(included, 'plugins:\n  - package: "@acme/plugin-a@1.0.0"\n    disabled: true\n  - package: "@acme/plugin-b@2.0.0"\n', 60);
    write(
      top,
      'includes:\n  - dynamic-plugins.default.yaml\nplugins:\n  - package: "@acme/plugin-a@1.0.0"\n    disabled: false\n    pluginConfig:\n      acme:\n        greeting: hello\n',
      60,
    );
  });

  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('returns the same result while none of the files changed', async () => {
    const first = await resolveBaseConfig(top);
    expect(first.files).toEqual([top, included]);
    expect(plugins(first)).toEqual([
      { package: '@acme/plugin-a@1.0.0', isEnabled: true, pluginConfig: { acme: { greeting: 'hello' } } },
      { package: '@acme/plugin-b@2.0.0', isEnabled: true, pluginConfig: undefined },
    ]);
    expect(await resolveBaseConfig(top)).toBe(first);
    expect(await resolveBaseConfig(top)).toBe(first);
    // The installer read the files once.
    expect(resolvePluginConfig).toHaveBeenCalledTimes(1);
  });

  it('reads the top file again once it changed', async () => {
    const first = await resolveBaseConfig(top);
    expect(await resolveBaseConfig(top)).toBe(first);
    write(
      top,
      'includes:\n  - dynamic-plugins.default.yaml\nplugins:\n  - package: "@acme/plugin-a@1.0.0"\n    disabled: false\n    pluginConfig:\n      acme:\n        greeting: howdy\n',
      30,
    );
    const second = await resolveBaseConfig(top);
    expect(second).not.toBe(first);
    expect(plugins(second)[0]).toEqual({ package: '@acme/plugin-a@1.0.0', isEnabled: true, pluginConfig: { acme: { greeting: 'howdy' } } });
    // The new result is kept in turn.
    expect(await resolveBaseConfig(top)).toBe(second);
  });

  it('notices a change of the same size that only the time tells', async () => {
    const first = await resolveBaseConfig(top);
    const text = fs.readFileSync(top, 'utf8');
    write(top, text.replace('hello', 'howdy'), 30);
    expect(fs.statSync(top).size).toBe(Buffer.byteLength(text));
    const second = await resolveBaseConfig(top);
    expect(second).not.toBe(first);
    expect(plugins(second)[0].pluginConfig).toEqual({ acme: { greeting: 'howdy' } });
  });

  it('reads everything again when an included file changed', async () => {
    const first = await resolveBaseConfig(top);
    write(included, 'plugins:\n  - package: "@acme/plugin-a@1.0.0"\n    disabled: true\n  - package: "@acme/plugin-c@3.0.0"\n', 30);
    const second = await resolveBaseConfig(top);
    expect(second).not.toBe(first);
    expect(plugins(second).map(p => p.package)).toEqual(['@acme/plugin-a@1.0.0', '@acme/plugin-c@3.0.0']);
    expect(await resolveBaseConfig(top)).toBe(second);
  });

  it('does not keep a result while one of its files was just modified, and keeps it once the file has settled', async () => {
    await resolveBaseConfig(top);
    // Modified now: the same timestamp may yet see another write.
    write(included, 'plugins:\n  - package: "@acme/plugin-b@2.0.1"\n', 0);
    const a = await resolveBaseConfig(top);
    const b = await resolveBaseConfig(top);
    expect(a).not.toBe(b);
    const expected = [
      { package: '@acme/plugin-b@2.0.1', isEnabled: true, pluginConfig: undefined },
      { package: '@acme/plugin-a@1.0.0', isEnabled: true, pluginConfig: { acme: { greeting: 'hello' } } },
    ];
    expect(plugins(a)).toEqual(expected);
    expect(plugins(b)).toEqual(expected);
    expect(b).toEqual(a);

    const settled = new Date(Date.now() - 10_000);
    fs.utimesSync(included, settled, settled);
    const c = await resolveBaseConfig(top);
    expect(plugins(c)).toEqual(expected);
    expect(await resolveBaseConfig(top)).toBe(c);
  });

  it('a top file modified now is not kept either', async () => {
    write(top, 'plugins:\n  - package: "@acme/plugin-z@9.0.0"\n', 0);
    const a = await resolveBaseConfig(top);
    const b = await resolveBaseConfig(top);
    expect(a).not.toBe(b);
    expect(plugins(a)).toEqual([{ package: '@acme/plugin-z@9.0.0', isEnabled: true, pluginConfig: undefined }]);
    expect(b).toEqual(a);
    expect(resolvePluginConfig).toHaveBeenCalledTimes(2);
  });

  it('rejects a malformed file without keeping anything, and reads the fixed file', async () => {
    const good = await resolveBaseConfig(top);
    write(top, 'includes:\n  - dynamic-plugins.default.yaml\nplugins:\n  - package: "@acme/plugin-a@1.0.0"\n    integrity: [unclosed\n', 50);
    await expect(resolveBaseConfig(top)).rejects.toThrow(/dynamic-plugins\.yaml:\d+:\d+: invalid YAML/);
    // Still refused: the earlier result is not handed out for the broken file.
    await expect(resolveBaseConfig(top)).rejects.toThrow(/invalid YAML/);
    write(top, 'includes:\n  - dynamic-plugins.default.yaml\nplugins:\n  - package: "@acme/plugin-d@4.0.0"\n', 40);
    const fixed = await resolveBaseConfig(top);
    expect(fixed).not.toBe(good);
    expect(plugins(fixed).map(p => p.package)).toEqual(['@acme/plugin-a@1.0.0', '@acme/plugin-b@2.0.0', '@acme/plugin-d@4.0.0']);
    expect(await resolveBaseConfig(top)).toBe(fixed);
    // good, two refusals, fixed; the last call was answered from the kept result.
    expect(resolvePluginConfig).toHaveBeenCalledTimes(4);
  });

  it('rejects an error met on the first read, then reads the file once it is fixed', async () => {
    write(top, 'plugins:\n  - package: "@acme/plugin-a@1.0.0"\n    integrity: [unclosed\n', 50);
    await expect(resolveBaseConfig(top)).rejects.toThrow(/invalid YAML/);
    await expect(resolveBaseConfig(top)).rejects.toThrow(/invalid YAML/);
    write(top, 'plugins:\n  - package: "@acme/plugin-a@1.0.0"\n', 40);
    const fixed = await resolveBaseConfig(top);
    expect(plugins(fixed)).toEqual([{ package: '@acme/plugin-a@1.0.0', isEnabled: true, pluginConfig: undefined }]);
    expect(await resolveBaseConfig(top)).toBe(fixed);
  });

  it('rejects when an included file is missing, and reads it once it is there', async () => {
    fs.rmSync(included);
    await expect(resolveBaseConfig(top)).rejects.toThrow(/included file .*dynamic-plugins\.default\.yaml cannot be read/);
    write(included, 'plugins:\n  - package: "@acme/plugin-e@5.0.0"\n', 20);
    const resolved = await resolveBaseConfig(top);
    expect(plugins(resolved).map(p => p.package)).toEqual(['@acme/plugin-e@5.0.0', '@acme/plugin-a@1.0.0']);
  });

  it('keeps the empty result of an absent top file until the file appears', async () => {
    const absent = path.join(dir, 'not-yet.yaml');
    const empty = await resolveBaseConfig(absent);
    expect(empty.plugins).toEqual([]);
    expect(await resolveBaseConfig(absent)).toBe(empty);
    write(absent, 'plugins:\n  - package: "@acme/plugin-f@6.0.0"\n', 20);
    const present = await resolveBaseConfig(absent);
    expect(plugins(present).map(p => p.package)).toEqual(['@acme/plugin-f@6.0.0']);
    expect(await resolveBaseConfig(absent)).toBe(present);
  });

  it('keeps one result per base file', async () => {
    const other = path.join(dir, 'other.yaml');
    write(other, 'plugins:\n  - package: "@acme/plugin-g@7.0.0"\n', 60);
    const a = await resolveBaseConfig(top);
    const b = await resolveBaseConfig(other);
    expect(b).not.toBe(a);
    expect(plugins(b).map(p => p.package)).toEqual(['@acme/plugin-g@7.0.0']);
    expect(await resolveBaseConfig(top)).toBe(a);
    expect(await resolveBaseConfig(other)).toBe(b);
  });
});
