import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packTarball, startFakeNpmRegistry, type FakeNpmRegistry } from '../../testing/npmRegistry';
import { endlessBody } from '../../testing/ociTestkit';
import { installPlugins, type InstallOptions } from '../install';

/*
 * --max-npm-tarball-size against a loopback registry: a tarball declared
 * over the cap is refused before its body is read, and one streamed past it
 * (no Content-Length, or a lying one) is cut off at the cap.
 */

jest.setTimeout(30_000);

let registry: FakeNpmRegistry;
const dirs: string[] = [];
beforeAll(async () => {
  registry = await startFakeNpmRegistry();
});
afterAll(async () => {
  await registry.close();
  dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

function workspace(config: string, extra: Partial<InstallOptions> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-npm-limits-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), config);
  const options: InstallOptions = {
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root: path.join(dir, 'root'),
    env: { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc'), npm_config_registry: `${registry.url}/` },
    network: { retries: 0, timeoutMs: 5_000 },
    ...extra,
  };
  return { dir, options, install: () => installPlugins(options) };
}

/** Publishes `name@1.0.0`; its tarball is served by `serve` when given. */
function publish(name: string, serve?: Parameters<FakeNpmRegistry['tarball']>[1]) {
  const packed = packTarball({ name, version: '1.0.0' });
  const tarball = registry.tarball(`${name}-1.0.0.tgz`, serve ?? packed.bytes);
  registry.publish(name, { '1.0.0': { name, version: '1.0.0', dist: { tarball, integrity: packed.sha512 } } });
  return { ...packed, url: tarball, entry: `plugins:\n  - package: ${name}@1.0.0\n    integrity: ${packed.sha512}\n` };
}

const downloads = (root: string) => fs.readdirSync(path.dirname(root)).filter(f => f.includes('staging') || f.startsWith('.'));

describe('the npm tarball size cap', () => {
  it('installs a tarball within the cap', async () => {
    const pkg = publish('capped-ok');
    const result = await workspace(pkg.entry, { maxNpmTarballBytes: pkg.bytes.length }).install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: 'capped-ok-1.0.0' });
  });

  it('refuses a tarball whose Content-Length is over the cap, naming the package and the limit', async () => {
    const pkg = publish('capped-declared');
    const ws = workspace(pkg.entry, { maxNpmTarballBytes: pkg.bytes.length - 1 });
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0].error).toEqual({
      code: 'NPM_TARBALL_TOO_LARGE',
      message: `capped-declared@1.0.0: the tarball is ${pkg.bytes.length} bytes, over the limit of ${pkg.bytes.length - 1} bytes for an npm tarball (raise it with --max-npm-tarball-size)`,
    });
    expect(fs.existsSync(path.join(ws.options.root, 'capped-declared-1.0.0'))).toBe(false);
  });

  it('stops a tarball streamed past the cap without a Content-Length', async () => {
    let sent = -1;
    const pkg = publish('capped-endless', endlessBody({ 'content-type': 'application/octet-stream' }, n => (sent = n)));
    const ws = workspace(pkg.entry, { maxNpmTarballBytes: 1024 * 1024 });
    const result = await ws.install();
    expect(result.plugins[0].error).toEqual({
      code: 'NPM_TARBALL_TOO_LARGE',
      message: 'capped-endless@1.0.0: the tarball is more than 1048576 bytes, over the limit of 1048576 bytes for an npm tarball (raise it with --max-npm-tarball-size)',
    });
    await waitFor(() => sent >= 0);
    expect(sent).toBeLessThan(32 * 1024 ** 2);
    // The partial download went with the staging folder.
    expect(downloads(ws.options.root)).toEqual([]);
  });

  it('caps a tarball URL spec the same way', async () => {
    const pkg = publish('capped-url');
    const ws = workspace(`plugins:\n  - package: ${pkg.url}\n    integrity: ${pkg.sha512}\n`, { maxNpmTarballBytes: 100 });
    const result = await ws.install();
    expect(result.plugins[0].error?.code).toBe('NPM_TARBALL_TOO_LARGE');
    expect(result.plugins[0].error?.message).toContain('over the limit of 100 bytes for an npm tarball');
  });
});

async function waitFor(condition: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
