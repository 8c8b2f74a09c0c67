import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { installPlugins } from '../install';
import { resolvePluginConfig } from './layers';
import { MAX_CONFIG_DEPTH, MAX_CONFIG_ITEMS, MAX_CONFIG_KEYS, parsePluginConfig } from './parse';

/*
 * Config files that would block or exhaust the installer: each run ends
 * quickly with one line naming the file.
 */

const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-limits-'));
  dirs.push(dir);
  return dir;
}

function mkfifo(file: string): boolean {
  try {
    execFileSync('mkfifo', [file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The error of a run, which must end within `ms`. */
async function failure(run: () => Promise<unknown>, ms = 10_000): Promise<InstallError> {
  const started = Date.now();
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  expect(Date.now() - started).toBeLessThan(ms);
  expect(caught).toBeInstanceOf(InstallError);
  expect((caught as Error).message).not.toContain('\n');
  return caught as InstallError;
}

describe('config files that are not regular files', () => {
  it('refuses a FIFO as dynamic-plugins.yaml instead of blocking on it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    if (!mkfifo(file)) return; // no mkfifo on this machine
    const error = await failure(() => installPlugins({ configFile: file, root: path.join(dir, 'root') }));
    expect(error).toMatchObject({ code: 'CONFIG_NOT_A_FILE', message: `${file}: not a regular file (a FIFO); refusing to read it` });
  });

  it('refuses a FIFO as an included file, naming the include line', async () => {
    const dir = tempDir();
    if (!mkfifo(path.join(dir, 'inc.yaml'))) return;
    const top = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(top, 'includes:\n  - inc.yaml\nplugins: []\n');
    const error = await failure(() => resolvePluginConfig(top));
    expect(error.code).toBe('CONFIG_NOT_A_FILE');
    expect(error.message).toBe(`${top}:2:5: included file ${path.join(dir, 'inc.yaml')}: not a regular file (a FIFO); refusing to read it`);
  });

  it('refuses a FIFO put in place of a config file that an unchanged re-run would hash', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(file, 'plugins: []\n');
    const root = path.join(dir, 'root');
    expect((await installPlugins({ configFile: file, root })).ok).toBe(true);
    fs.rmSync(file);
    if (!mkfifo(file)) return;
    expect((await failure(() => installPlugins({ configFile: file, root }))).code).toBe('CONFIG_NOT_A_FILE');
  });

  it('refuses a folder as dynamic-plugins.yaml', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    fs.mkdirSync(file);
    const error = await failure(() => resolvePluginConfig(file));
    expect(error).toMatchObject({ code: 'CONFIG_NOT_A_FILE', message: `${file}: not a regular file (a folder); refusing to read it` });
  });

  it('refuses a device', async () => {
    if (!fs.existsSync('/dev/zero')) return;
    const error = await failure(() => resolvePluginConfig('/dev/zero'));
    expect(error).toMatchObject({ code: 'CONFIG_NOT_A_FILE', message: '/dev/zero: not a regular file (a device); refusing to read it' });
  });
});

describe('config size and shape limits', () => {
  it('refuses a file over the size limit, naming it and the limit, and reads it when the limit is raised', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(file, `plugins: []\n# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    const error = await failure(() => resolvePluginConfig(file));
    expect(error.code).toBe('CONFIG_TOO_LARGE');
    expect(error.message).toBe(`${file}: ${fs.statSync(file).size} bytes is more than the 4194304 allowed (raise it with --max-config-size)`);
    await expect(resolvePluginConfig(file, { maxBytes: 8 * 1024 * 1024 })).resolves.toMatchObject({ plugins: [] });
  });

  it(`refuses 300k keys (more than ${MAX_CONFIG_KEYS}) quickly`, async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    // Flow style, so that 300k keys fit within the 4 MiB size limit.
    const keys = Array.from({ length: 300_000 }, (_, i) => `${i.toString(36)}: 0`).join(', ');
    fs.writeFileSync(file, `plugins:\n  - package: ./a\n    pluginConfig: { ${keys} }\n`);
    expect(fs.statSync(file).size).toBeLessThan(4 * 1024 * 1024);
    const error = await failure(() => resolvePluginConfig(file));
    expect(error).toMatchObject({ code: 'CONFIG_TOO_COMPLEX', message: `${file}: more than ${MAX_CONFIG_KEYS} keys; refusing to read it` });
  });

  it(`refuses a flow mapping of keys without values past ${MAX_CONFIG_KEYS} keys`, async () => {
    const text = `plugins:\n  - package: ./a\n    pluginConfig: { ${Array.from({ length: 200_000 }, (_, i) => i.toString(36)).join(', ')} }\n`;
    expect(await failure(async () => parsePluginConfig(text, 'f.yaml'))).toMatchObject({
      code: 'CONFIG_TOO_COMPLEX',
      message: `f.yaml: more than ${MAX_CONFIG_KEYS} keys; refusing to read it`,
    });
  });

  it(`refuses more than ${MAX_CONFIG_ITEMS} list items quickly, in flow and in block style`, async () => {
    const flow = `plugins:\n  - package: ./a\n    pluginConfig: { a: [${'0,'.repeat(2_000_000)}] }\n`;
    const block = `plugins:\n  - package: ./a\n    pluginConfig:\n      a:\n${'        - 0\n'.repeat(300_000)}`;
    for (const text of [flow, block]) {
      expect(await failure(async () => parsePluginConfig(text, 'f.yaml'), 5_000)).toMatchObject({
        code: 'CONFIG_TOO_COMPLEX',
        message: `f.yaml: more than ${MAX_CONFIG_ITEMS} list items; refusing to read it`,
      });
    }
  });

  it('accepts a config with many plugins and list items within the limits', () => {
    const text = `plugins:\n${'  - package: ./a\n    disabled: true\n'.repeat(1)}  - package: ./b\n    pluginConfig: { a: [${'0,'.repeat(50_000)}] }\n`;
    expect(parsePluginConfig(text, 'f.yaml').plugins).toHaveLength(2);
  });

  it('refuses deep nesting, in flow and in block style', async () => {
    const dir = tempDir();
    const flow = path.join(dir, 'flow.yaml');
    fs.writeFileSync(flow, `plugins:\n  - package: ./a\n    pluginConfig: { a: ${'['.repeat(100_000)}${']'.repeat(100_000)} }\n`);
    expect(await failure(() => resolvePluginConfig(flow))).toMatchObject({
      code: 'CONFIG_TOO_COMPLEX',
      message: `${flow}: nested more than ${MAX_CONFIG_DEPTH} levels deep; refusing to read it`,
    });
    const block = path.join(dir, 'block.yaml');
    const lines = Array.from({ length: 200 }, (_, i) => `${'  '.repeat(i + 2)}k${i}:\n`).join('');
    fs.writeFileSync(block, `plugins:\n  - package: ./a\n    pluginConfig:\n${lines}`);
    const error = await failure(() => resolvePluginConfig(block));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(new RegExp(`^${block.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: nested more than ${MAX_CONFIG_DEPTH} levels deep$`));
  });

  it('refuses an alias bomb, naming where it expands', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${prev}`).join(',')}]`);
    }
    fs.writeFileSync(file, `plugins:\n  - package: ./a\n    pluginConfig:\n${levels.map(l => `      ${l}\n`).join('')}`);
    const error = await failure(() => resolvePluginConfig(file), 5_000);
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toMatch(/dynamic-plugins\.yaml:4:7: aliases expand too much \(more than yaml's maxAliasCount of 100\)/);
  });

  it('resolves a few aliases in pluginConfig as YAML means them', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(file, 'plugins:\n  - package: ./a\n    pluginConfig:\n      a: &common { x: 1 }\n      b: *common\n');
    const config = await resolvePluginConfig(file);
    expect(config.plugins[0].pluginConfig).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });

  it('still refuses a duplicate key, naming its place', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'dynamic-plugins.yaml');
    fs.writeFileSync(file, 'plugins:\n  - package: ./a\n    pluginConfig:\n      a: 1\n      a: 2\n');
    const error = await failure(() => resolvePluginConfig(file));
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', message: `${file}:5:7: invalid YAML: Map keys must be unique ('a' twice)` });
  });
});
