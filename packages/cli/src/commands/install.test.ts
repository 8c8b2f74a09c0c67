import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installPlugins } from '@devportal/plugin-installer';
import { installCommand } from './install';

// What the flags become is checked on the installer's options; the installer
// itself (and --require-oci-digest's refusal) is tested in its package, whose
// lazy `import()`s this package's jest setup does not run.
jest.mock('@devportal/plugin-installer', () => ({
  ...jest.requireActual('@devportal/plugin-installer'),
  installPlugins: jest.fn(async (options: { root: string; configFile: string }) => ({
    ok: true,
    root: options.root,
    configFile: options.configFile,
    plugins: [],
    removed: [],
    warnings: [],
  })),
}));

const dirs: string[] = [];
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

const BASE = { json: false, concurrency: '4', insecureRegistry: [], maxEntrySize: '40000000', maxConfigSize: '4194304', allowPluginConfigKey: [] };

/** Runs `plugins install` on `config` with `flags`; returns what it printed and whether it failed. */
async function install(config: string, flags: Record<string, unknown> = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-cli-install-'));
  dirs.push(dir);
  const file = path.join(dir, 'dynamic-plugins.yaml');
  fs.writeFileSync(file, config);
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
    written.push(String(chunk));
    return true;
  });
  try {
    await installCommand({ ...BASE, config: file, root: path.join(dir, 'root'), ...flags } as Parameters<typeof installCommand>[0]);
    return { output: written.join(''), failed: process.exitCode === 1 };
  } finally {
    spy.mockRestore();
    process.exitCode = 0;
  }
}

describe('plugins install: download caps and --require-oci-digest', () => {
  beforeEach(() => jest.mocked(installPlugins).mockClear());

  it('passes each cap flag to the installer as a number, and leaves absent ones to its defaults', async () => {
    await install('plugins: []\n', {
      maxArchiveSize: '1000',
      maxNpmTarballSize: '2000',
      maxOciLayers: '3',
      maxOciLayerSize: '4000',
      maxOciImageSize: '5000',
      maxOciManifestSize: '6000',
      requireOciDigest: true,
    });
    expect(jest.mocked(installPlugins).mock.calls[0][0]).toMatchObject({
      maxArchiveBytes: 1000,
      maxNpmTarballBytes: 2000,
      maxOciLayers: 3,
      maxOciLayerBytes: 4000,
      maxOciImageBytes: 5000,
      maxOciManifestBytes: 6000,
      requireOciDigest: true,
    });
    await install('plugins: []\n');
    expect(jest.mocked(installPlugins).mock.calls[1][0]).toMatchObject({ maxOciLayers: undefined, maxNpmTarballBytes: undefined, requireOciDigest: false });
  });

  it('refuses a cap that is not a positive whole number, naming the flag', async () => {
    await expect(install('plugins: []\n', { maxOciLayers: '0' })).rejects.toThrow("--max-oci-layers must be a positive whole number, not '0'");
    await expect(install('plugins: []\n', { maxNpmTarballSize: '1e3x' })).rejects.toThrow('--max-npm-tarball-size must be a positive whole number');
  });
});
