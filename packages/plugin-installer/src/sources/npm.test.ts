import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packTarball, startFakeNpmRegistry, type FakeNpmRegistry } from '../../testing/npmRegistry';
import { installPlugins, type InstallOptions } from '../install';

const pacoteCalls: string[] = [];
jest.mock('pacote', () => {
  const actual = jest.requireActual('pacote');
  return {
    ...actual,
    manifest: (spec: string, ...rest: unknown[]) => {
      pacoteCalls.push(spec);
      return actual.manifest(spec, ...rest);
    },
    tarball: Object.assign((spec: string, ...rest: unknown[]) => actual.tarball(spec, ...rest), {
      file: (spec: string, ...rest: unknown[]) => {
        pacoteCalls.push(spec);
        return actual.tarball.file(spec, ...rest);
      },
    }),
  };
});

/*
 * npm packages against a fake registry on a loopback port: what the
 * registry (or a tarball) says about a package is not trusted.
 */

let registry: FakeNpmRegistry;
const dirs: string[] = [];
beforeAll(async () => {
  registry = await startFakeNpmRegistry();
});
afterAll(async () => {
  await registry.close();
  dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

function workspace(config: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-npm-'));
  dirs.push(dir);
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), config);
  const env = { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc'), npm_config_registry: `${registry.url}/` };
  const options: InstallOptions = {
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root: path.join(dir, 'root'),
    env,
    network: { retries: 0, timeoutMs: 5_000 },
  };
  return { dir, options, install: () => installPlugins(options) };
}

/** Publishes `name@version` whose version document says `doc` (name and version as given). */
function publish(name: string, version: string, doc: { name: string; version: string }) {
  const packed = packTarball(doc);
  const tarball = registry.tarball(`${name.replace('/', '-')}-${version}.tgz`, packed.bytes);
  registry.publish(name, { [version]: { ...doc, dist: { tarball, integrity: packed.sha512 } } });
  return packed;
}

/** Every entry under `dir`, relative, to show nothing was written outside the root. */
function tree(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('npm packages from a registry', () => {
  it('installs a package whose version document is what was asked for', async () => {
    const packed = publish('good-plugin', '1.0.0', { name: 'good-plugin', version: '1.0.0' });
    const ws = workspace(`plugins:\n  - package: good-plugin@1.0.0\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: 'good-plugin-1.0.0', name: 'good-plugin', version: '1.0.0' });
    expect(fs.existsSync(path.join(ws.options.root, 'good-plugin-1.0.0/index.js'))).toBe(true);
  });

  it('installs an alias under the real package, whose name the registry answers with', async () => {
    const packed = publish('@acme/real', '1.2.3', { name: '@acme/real', version: '1.2.3' });
    const ws = workspace(`plugins:\n  - package: "my-alias@npm:@acme/real@1.2.3"\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: 'acme-real-1.2.3', name: '@acme/real', version: '1.2.3' });
  });

  it.each(['sha256', 'sha384'] as const)('installs a package pinned with %s against a registry that publishes sha512', async algorithm => {
    const packed = publish(`pinned-${algorithm}`, '1.0.0', { name: `pinned-${algorithm}`, version: '1.0.0' });
    const ws = workspace(`plugins:\n  - package: pinned-${algorithm}@1.0.0\n    integrity: ${packed[algorithm]}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: `pinned-${algorithm}-1.0.0`, integrity: packed[algorithm] });
  });

  it('refuses a sha256 pin the downloaded bytes do not match, and a pin of only unsupported algorithms', async () => {
    publish('pinned-wrong', '1.0.0', { name: 'pinned-wrong', version: '1.0.0' });
    const other = packTarball({ name: 'other', version: '9.9.9' });
    const ws = workspace(`plugins:\n  - package: pinned-wrong@1.0.0\n    integrity: ${other.sha256}\n`);
    expect((await ws.install()).plugins[0].error).toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    fs.writeFileSync(ws.options.configFile, 'plugins:\n  - package: pinned-wrong@1.0.0\n    integrity: sha1-qZk+NkcGgWq6PiVxeFDCbJzQ2J0=\n');
    expect((await ws.install()).plugins[0].error).toMatchObject({ code: 'INVALID_INTEGRITY' });
  });

  it('refuses a version document whose name walks out of the plugins root', async () => {
    const evil = '@x/../../../../evil-out';
    const packed = publish('lying-name', '1.0.0', { name: evil, version: '1.0.0' });
    const ws = workspace(`plugins:\n  - package: lying-name@1.0.0\n    integrity: ${packed.sha512}\n`);
    const before = tree(ws.dir);
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0].error).toEqual({
      code: 'INVALID_PACKAGE_MANIFEST',
      message: `lying-name@1.0.0: the registry's manifest has an invalid package name "${evil}"`,
    });
    expect(tree(ws.dir).filter(entry => !entry.startsWith('root'))).toEqual(before);
    expect(fs.existsSync(path.join(ws.dir, 'evil-out-1.0.0'))).toBe(false);
  });

  it('refuses a version document whose tarball is not an http(s) URL', async () => {
    const packed = packTarball({ name: 'git-tarball', version: '1.0.0' });
    registry.publish('git-tarball', {
      '1.0.0': { name: 'git-tarball', version: '1.0.0', dist: { tarball: 'git+ssh://git@127.0.0.1/x.git', integrity: packed.sha512 } },
    });
    const ws = workspace(`plugins:\n  - package: git-tarball@1.0.0\n    integrity: ${packed.sha512}\n`);
    expect((await ws.install()).plugins[0].error).toEqual({
      code: 'INVALID_PACKAGE_MANIFEST',
      message: "git-tarball@1.0.0: the registry's manifest points at a tarball that is not an http(s) URL",
    });
  });

  it('refuses a version document that claims to be another package', async () => {
    const packed = publish('impostor', '1.0.0', { name: 'good-plugin', version: '1.0.0' });
    const ws = workspace(`plugins:\n  - package: impostor@1.0.0\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toEqual({
      code: 'INVALID_PACKAGE_MANIFEST',
      message: `impostor@1.0.0: the registry's manifest names the package "good-plugin", not impostor`,
    });
    expect(registry.requests).not.toContain('/-/impostor-1.0.0.tgz');
  });

  it('refuses a version document whose version is not semver', async () => {
    const packed = publish('bad-version', '1.0.0', { name: 'bad-version', version: '1.0.0/../../../x' });
    const ws = workspace(`plugins:\n  - package: bad-version\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toMatchObject({ code: 'INVALID_PACKAGE_MANIFEST' });
    expect(result.plugins[0].error!.message).toMatch(/^bad-version: the registry's manifest has an invalid version "1\.0\.0\/\.\.\/\.\.\/\.\.\/x"$/);
    expect(fs.existsSync(path.join(ws.dir, 'x'))).toBe(false);
  });

  it('refuses a tarball URL whose package.json names a path, after checking its bytes', async () => {
    const packed = packTarball({ name: '@x/../../../../evil-url', version: '1.0.0' });
    const url = registry.tarball('evil-url.tgz', packed.bytes);
    const ws = workspace(`plugins:\n  - package: ${url}\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toMatchObject({ code: 'INVALID_PACKAGE_MANIFEST' });
    expect(result.plugins[0].error!.message).toBe(`${url}: its package.json has an invalid package name "@x/../../../../evil-url"`);
    expect(fs.existsSync(path.join(ws.dir, 'evil-url-1.0.0'))).toBe(false);
  });

  it('checks a tarball URL against its pin before reading its package.json', async () => {
    // Read first, this package.json would fail as unparsable, not as a mismatch.
    const packed = packTarball('{ not json');
    const other = packTarball({ name: 'other', version: '1.0.0' });
    const url = registry.tarball('evil-url-2.tgz', packed.bytes);
    const ws = workspace(`plugins:\n  - package: ${url}\n    integrity: ${other.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });

  it('installs a tarball URL named after its package.json', async () => {
    const packed = packTarball({ name: '@acme/from-url', version: '2.1.0' });
    const url = registry.tarball('from-url.tgz', packed.bytes);
    const ws = workspace(`plugins:\n  - package: ${url}\n    integrity: ${packed.sha512}\n`);
    const result = await ws.install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: 'acme-from-url-2.1.0', name: '@acme/from-url', integrity: packed.sha512 });
    expect((await ws.install()).plugins[0].status).toBe('unchanged');
  });

  it.each(['github:acme/plugin#v1.0.0', 'git+https://github.com/acme/plugin.git#v1.0.0', 'acme/plugin'])(
    'refuses the git spec %s before pacote is called',
    async spec => {
      pacoteCalls.length = 0;
      const ws = workspace(`plugins:\n  - package: "${spec}"\n    integrity: sha512-${Buffer.alloc(64).toString('base64')}\n`);
      const result = await ws.install();
      expect(result.plugins[0].error).toEqual({
        code: 'UNSUPPORTED_PACKAGE_SPEC',
        message: `${spec}: git repositories are not supported as plugin packages; publish the package to a registry, or use a tarball URL with an integrity`,
      });
      expect(pacoteCalls).toEqual([]);
    },
  );
});
