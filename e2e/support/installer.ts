import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './backend.ts';
import { startRegistry, type StartedRegistry } from './registry.ts';
import { startVerdaccio, type StartedVerdaccio } from './verdaccio.ts';

/**
 * `devportal-cli plugins install` as a user runs it, for the installer
 * integration tests (e2e/integration/installer*.test.ts): the CLI, a
 * workspace to run it in, and the fixtures those tests publish to the
 * registries they start.
 */
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

export function run(args: string[], options: { cwd: string; env?: Record<string, string>; onSpawn?: (pid: number) => void }): Promise<RunResult> {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      // No user .npmrc leaks in from the machine running the tests.
      env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(options.cwd, 'no-user-npmrc'), ...options.env },
    });
    options.onSpawn?.(child.pid!);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    child.on('close', code => {
      let json;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = undefined;
      }
      resolve({ code, stdout, stderr, json });
    });
  });
}

/** A workspace: dynamic-plugins.yaml, .npmrc and the root, in a temp folder. */
export class Workspace {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-installer-'));
  readonly root = path.join(this.dir, 'dynamic-plugins-root');
  config(yaml: string) {
    fs.writeFileSync(path.join(this.dir, 'dynamic-plugins.yaml'), yaml);
    return this;
  }
  npmrc(text: string) {
    fs.writeFileSync(path.join(this.dir, '.npmrc'), text);
    return this;
  }
  install(extra: string[] = [], env?: Record<string, string>, onSpawn?: (pid: number) => void) {
    return run(['plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', this.root, '--json', ...extra], {
      cwd: this.dir,
      env,
      onSpawn,
    });
  }
  folders() {
    return fs.existsSync(this.root) ? fs.readdirSync(this.root).sort() : [];
  }
  appConfig() {
    return fs.readFileSync(path.join(this.root, 'app-config.dynamic-plugins.yaml'), 'utf8');
  }
  snapshot() {
    return this.folders().map(f => {
      const pkg = path.join(this.root, f, 'package.json');
      return fs.existsSync(pkg) ? `${f}:${JSON.parse(fs.readFileSync(pkg, 'utf8')).version}` : f;
    });
  }
}

/** Plugin package folders, published as one image with `devportal plugin publish --oci`. */
export async function publishImage(ref: string, plugins: Array<{ dir: string; name: string; version: string }>, env?: Record<string, string>) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-image-'));
  for (const p of plugins) {
    fs.mkdirSync(path.join(work, p.dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(work, p.dir, 'package.json'), JSON.stringify({ name: p.name, version: p.version }));
    fs.writeFileSync(path.join(work, p.dir, 'dist/index.cjs.js'), 'module.exports = {};\n');
  }
  const result = await run(['plugin', 'publish', '--oci', ref, '--json', ...plugins.map(p => p.dir)], { cwd: work, env });
  assert.equal(result.code, 0, result.stderr);
  return result.json.digest as string;
}

/** What `publishNpmFixtures` published, by `name@version`. */
export type Published = Record<string, { integrity: string; tarball: string }>;

/**
 * The npm packages every installer test file uses, one of them in the
 * private scope. Each carries a postinstall script, which the installer must
 * never run (the first sources test checks its marker file is absent).
 */
export async function publishNpmFixtures(npm: StartedVerdaccio): Promise<Published> {
  const published: Published = {};
  for (const [name, version] of [
    ['@acme/plugin-a', '1.0.0'],
    ['@acme/plugin-a', '1.1.0'],
    ['@acme/plugin-b', '2.0.0'],
    ['@private/plugin-secret', '1.0.0'],
  ]) {
    published[`${name}@${version}`] = await npm.publish({
      name,
      version,
      packageJson: { scripts: { postinstall: 'touch /tmp/devportal-lifecycle-script-ran' } },
    });
  }
  return published;
}

/** Two plugins (x, y) in one image, as the OCI tests reference them. */
const PLUGINS_XY = [
  { dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.0' },
  { dir: 'plugin-y', name: '@acme/plugin-y', version: '3.0.0' },
];

/** acme/plugins:1.0.0 (x and y) and acme/single:1.0.0 (z) on an open registry. */
export async function publishOciFixtures(oci: StartedRegistry) {
  await publishImage(`oci://${oci.host}/acme/plugins:1.0.0`, PLUGINS_XY);
  await publishImage(`oci://${oci.host}/acme/single:1.0.0`, [{ dir: 'plugin-z', name: '@acme/plugin-z', version: '1.0.0' }]);
}

/** acme/plugins:1.0.0 (x and y) on a registry started with this user and password. */
export async function publishOciAuthFixtures(ociAuth: StartedRegistry, user: string, password: string) {
  const authDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-auth-'));
  fs.writeFileSync(
    path.join(authDir, 'auth.json'),
    JSON.stringify({ auths: { [ociAuth.host]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }),
  );
  await publishImage(`oci://${ociAuth.host}/acme/plugins:1.0.0`, PLUGINS_XY, { REGISTRY_AUTH_FILE: path.join(authDir, 'auth.json') });
}

/**
 * For a `describe` of installer tests: starts verdaccio (with a private
 * scope) and an open OCI registry before its tests, publishes the npm and
 * OCI fixtures to them, and stops both after. The getters are read inside
 * tests, once the registries are up.
 */
export function useInstallerRegistries() {
  let npm: StartedVerdaccio | undefined;
  let oci: StartedRegistry | undefined;
  const published: Published = {};
  before(async () => {
    [npm, oci] = await Promise.all([startVerdaccio({ privateScope: '@private' }), startRegistry()]);
    Object.assign(published, await publishNpmFixtures(npm));
    await publishOciFixtures(oci);
  });
  after(async () => {
    await Promise.all([npm?.stop(), oci?.stop()]);
  });
  return {
    get npm(): StartedVerdaccio {
      return npm!;
    },
    get oci(): StartedRegistry {
      return oci!;
    },
    published,
    /** The `.npmrc` line that points npm at verdaccio. */
    registryLine: () => `registry=${npm!.url}/\n`,
    /** A `dynamic-plugins.yaml` entry for a published fixture, with its integrity. */
    entry: (spec: string, extra = '') => `  - package: "${spec}"\n    integrity: ${published[spec].integrity}\n${extra}`,
  };
}
