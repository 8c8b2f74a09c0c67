import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { startFakeOciRegistry, type FakeOciRegistry } from '../../testing/fakeOciRegistry';
import { annotationsFor, cleanupTempDirs, tempDir } from '../../testing/ociTestkit';
import { tarBuffer, type TarEntry } from '../../testing/tarFixtures';
import { installPlugins } from '../install';

/*
 * Plugins of one image are extracted from its layer in one pass
 * (sources/ociBatch.ts). The result must be what one pass per plugin gave,
 * and a failing batch must fall back to one pass per plugin, so that each
 * failure is reported by the plugin it belongs to.
 */

jest.setTimeout(30_000);

let registry: FakeOciRegistry;
beforeAll(async () => {
  registry = await startFakeOciRegistry();
});
afterAll(async () => {
  await registry.close();
  cleanupTempDirs();
});

const PLUGINS = {
  'plugin-a': { name: 'plugin-a', version: '1.0.0' },
  'plugin-b': { name: 'plugin-b', version: '2.0.0' },
  'plugin-c': { name: 'plugin-c', version: '3.0.0' },
};

function folder(name: keyof typeof PLUGINS, extra: TarEntry[] = []): TarEntry[] {
  return [
    { path: `${name}/package.json`, body: JSON.stringify(PLUGINS[name]) },
    { path: `${name}/dist/index.js`, body: `module.exports = '${name}';\n` },
    ...extra,
  ];
}

async function install(repo: string, layer: TarEntry[], wanted: string[]) {
  registry.image(repo, '1.0.0', [zlib.gzipSync(tarBuffer(layer))], { annotations: annotationsFor(PLUGINS) });
  const dir = tempDir('devportal-oci-batch-');
  const entries = wanted.map(p => `  - package: oci://${registry.host}/${repo}:1.0.0!${p}\n`).join('');
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), `plugins:\n${entries}`);
  const root = path.join(dir, 'root');
  const result = await installPlugins({
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root,
    env: { HOME: dir, NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc') },
    network: { retries: 0, timeoutMs: 5_000 },
  });
  return { result, root };
}

describe('plugins of one OCI image', () => {
  it('installs each wanted plugin, and only those, from one download', async () => {
    const { result, root } = await install('batch/ok', [...folder('plugin-a'), ...folder('plugin-b'), ...folder('plugin-c')], ['plugin-a', 'plugin-c']);
    expect(result.plugins.map(p => [p.key, p.status, p.error])).toEqual([
      [expect.stringContaining('plugin-a'), 'installed', undefined],
      [expect.stringContaining('plugin-c'), 'installed', undefined],
    ]);
    expect(fs.readdirSync(root).filter(f => !f.startsWith('.') && !f.endsWith('.yaml')).sort()).toEqual(['plugin-a', 'plugin-c']);
    expect(fs.readFileSync(path.join(root, 'plugin-c/dist/index.js'), 'utf8')).toBe("module.exports = 'plugin-c';\n");
    expect(registry.requests.filter(r => r.includes('/v2/batch/ok/blobs/'))).toHaveLength(1);
  });

  it('reports a bad folder on its own plugin when the batch fails, and installs nothing', async () => {
    const escape: TarEntry = { path: 'plugin-b/dist/peek', type: 'symlink', linkpath: '../../plugin-a/package.json' };
    const { result, root } = await install('batch/bad', [...folder('plugin-a'), ...folder('plugin-b', [escape])], ['plugin-a', 'plugin-b']);
    expect(result.ok).toBe(false);
    expect(result.plugins.map(p => [p.status, p.error?.code])).toEqual([
      ['installed', undefined],
      ['failed', 'UNSAFE_SYMLINK'],
    ]);
    expect(fs.existsSync(path.join(root, 'plugin-a'))).toBe(false);
  });

  it('reports a folder missing from the layer on its own plugin', async () => {
    const { result } = await install('batch/missing', [...folder('plugin-a'), ...folder('plugin-b')], ['plugin-a', 'plugin-c']);
    expect(result.plugins.map(p => [p.status, p.error?.code])).toEqual([
      ['installed', undefined],
      ['failed', 'OCI_PLUGIN_NOT_IN_IMAGE'],
    ]);
  });
});
