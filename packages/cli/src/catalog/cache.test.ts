import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cacheKey, exportToolVersion, readCached, readFailure, writeCached, writeFailure } from './cache';

describe('the catalog build cache', () => {
  const base = { spec: '@x/plugin@1.0.0', integrity: 'sha512-aaa', mode: 'export' as const, toolVersion: 't1' };

  it('keys a build by package@version, integrity, mode and export tool version', () => {
    const key = cacheKey(base);
    expect(cacheKey({ ...base })).toBe(key);
    expect(cacheKey({ ...base, spec: '@x/plugin@1.0.1' })).not.toBe(key);
    expect(cacheKey({ ...base, integrity: 'sha512-bbb' })).not.toBe(key);
    expect(cacheKey({ ...base, toolVersion: 't2' })).not.toBe(key);
    expect(cacheKey({ ...base, mode: 'unchanged' })).not.toBe(key);
  });

  it('does not rebuild a package used as published when the export tool changes', () => {
    const unchanged = { ...base, mode: 'unchanged' as const };
    expect(cacheKey({ ...unchanged, toolVersion: 't2' })).toBe(cacheKey(unchanged));
  });

  it('versions the export tool by the content of its inputs, test files left out', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'catalog-cache-'));
    await fs.mkdir(path.join(root, 'packages/cli/src/export'), { recursive: true });
    await fs.writeFile(path.join(root, 'packages/cli/src/export/a.ts'), 'one');
    await fs.writeFile(path.join(root, 'backstage.json'), '{"version":"1.55.0"}');
    const first = await exportToolVersion(root);
    await fs.writeFile(path.join(root, 'packages/cli/src/export/a.test.ts'), 'a test');
    expect(await exportToolVersion(root)).toBe(first);
    await fs.writeFile(path.join(root, 'packages/cli/src/export/a.ts'), 'two');
    expect(await exportToolVersion(root)).not.toBe(first);
  });

  it('reads a build back only when its result and its folder are both there', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'catalog-cache-'));
    expect(await readCached(dir)).toBeUndefined();
    const result = { spec: 's', name: 'n', version: '1', role: 'backend-plugin', folder: 'out/n-dynamic', bytes: 1, buildMs: 2, builtAt: 'now' };
    await writeCached(dir, result);
    expect(await readCached(dir)).toBeUndefined();
    await fs.mkdir(path.join(dir, 'out/n-dynamic'), { recursive: true });
    expect(await readCached(dir)).toEqual(result);
  });

  it('keeps a failure with its message, apart from results', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'catalog-cache-'));
    expect(await readFailure(dir)).toBeUndefined();
    await writeFailure(dir, { spec: 's', error: 'the npm registry r has no such package or version', failedAt: 'now' });
    expect(await readFailure(dir)).toEqual({ spec: 's', error: 'the npm registry r has no such package or version', failedAt: 'now' });
    expect(await readCached(dir)).toBeUndefined();
  });
});
