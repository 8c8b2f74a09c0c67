import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { repoRoot } from '../support/backend.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * `devportal-cli plugins install` as a user runs it, against a real npm
 * registry (verdaccio, with a private scope) and real OCI registries
 * (Debian's docker-registry, with and without basic auth).
 */
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  json: any;
}

function run(args: string[], options: { cwd: string; env?: Record<string, string>; onSpawn?: (pid: number) => void }): Promise<RunResult> {
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
class Workspace {
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
async function publishImage(ref: string, plugins: Array<{ dir: string; name: string; version: string }>, env?: Record<string, string>) {
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

describe('plugins install', () => {
  let npm: StartedVerdaccio;
  let oci: StartedRegistry;
  let ociAuth: StartedRegistry;
  const published: Record<string, { integrity: string; tarball: string }> = {};
  const registryLine = () => `registry=${npm.url}/\n`;
  const tokenLine = (token: string) => `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${token}\n`;

  before(async () => {
    [npm, oci, ociAuth] = await Promise.all([
      startVerdaccio({ privateScope: '@private' }),
      startRegistry(),
      startRegistry({ htpasswd: { user: 'robot', password: 'registry-secret-pw' } }),
    ]);
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
    const xy = [
      { dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.0' },
      { dir: 'plugin-y', name: '@acme/plugin-y', version: '3.0.0' },
    ];
    await publishImage(`oci://${oci.host}/acme/plugins:1.0.0`, xy);
    await publishImage(`oci://${oci.host}/acme/single:1.0.0`, [{ dir: 'plugin-z', name: '@acme/plugin-z', version: '1.0.0' }]);
    const authDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-auth-'));
    fs.writeFileSync(
      path.join(authDir, 'auth.json'),
      JSON.stringify({ auths: { [ociAuth.host]: { auth: Buffer.from('robot:registry-secret-pw').toString('base64') } } }),
    );
    await publishImage(`oci://${ociAuth.host}/acme/plugins:1.0.0`, xy, { REGISTRY_AUTH_FILE: path.join(authDir, 'auth.json') });
  });

  after(async () => {
    await Promise.all([npm?.stop(), oci?.stop(), ociAuth?.stop()]);
  });

  const entry = (spec: string, extra = '') =>
    `  - package: "${spec}"\n    integrity: ${published[spec].integrity}\n${extra}`;

  it('installs from npm, a private scope, OCI and a local folder and merges their config', async () => {
    const ws = new Workspace().npmrc(registryLine() + tokenLine(npm.token));
    fs.mkdirSync(path.join(ws.dir, 'bundled/local-plugin'), { recursive: true });
    fs.writeFileSync(path.join(ws.dir, 'bundled/local-plugin/package.json'), '{"name":"local-plugin","version":"0.0.1"}');
    ws.config(
      'plugins:\n' +
        entry('@acme/plugin-a@1.0.0', '    pluginConfig:\n      acme:\n        a: { enabled: true }\n') +
        entry('@private/plugin-secret@1.0.0') +
        `  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-x\n    pluginConfig:\n      acme:\n        x: { enabled: true }\n` +
        `  - package: oci://${oci.host}/acme/single:1.0.0\n` +
        '  - package: ./bundled/local-plugin\n',
    );
    const result = await ws.install();
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.deepEqual(ws.snapshot(), [
      '.devportal-installed.json',
      'acme-plugin-a-1.0.0:1.0.0',
      'app-config.dynamic-plugins.yaml',
      'local-plugin:0.0.1',
      'plugin-x:3.0.0',
      'plugin-z:1.0.0',
      'private-plugin-secret-1.0.0:1.0.0',
    ]);
    assert.match(ws.appConfig(), /acme:\n {2}a:\n {4}enabled: true\n {2}x:\n {4}enabled: true/);
    assert.match(ws.appConfig(), new RegExp(`rootDirectory: ${ws.root}`));
    assert.ok(!fs.existsSync('/tmp/devportal-lifecycle-script-ran'), 'no lifecycle script ran');

    const list = await run(['plugins', 'list', '--root', ws.root, '--json'], { cwd: ws.dir });
    const bySource = Object.fromEntries(list.json.plugins.map((p: any) => [p.name, p]));
    assert.equal(bySource['@acme/plugin-a'].source, 'npm');
    assert.equal(bySource['@acme/plugin-a'].integrity, published['@acme/plugin-a@1.0.0'].integrity);
    assert.match(bySource['@acme/plugin-x'].digest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(bySource['local-plugin'].source, 'local');
  });

  it('accepts every npm package form: range, dist-tag, alias and tarball URL', async () => {
    const ws = new Workspace().npmrc(registryLine());
    const a11 = published['@acme/plugin-a@1.1.0'];
    const b = published['@acme/plugin-b@2.0.0'];
    ws.config(
      'plugins:\n' +
        `  - package: "@acme/plugin-a@^1.0.0"\n    integrity: ${a11.integrity}\n` +
        `  - package: "@acme/plugin-b@latest"\n    integrity: ${b.integrity}\n` +
        `  - package: "my-alias@npm:@acme/plugin-a@1.0.0"\n    integrity: ${published['@acme/plugin-a@1.0.0'].integrity}\n`,
    );
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(result.json.plugins.map((p: any) => `${p.record.name}@${p.record.version}`), [
      '@acme/plugin-a@1.1.0',
      '@acme/plugin-b@2.0.0',
      '@acme/plugin-a@1.0.0',
    ]);

    const url = new Workspace().config(`plugins:\n  - package: ${b.tarball}\n    integrity: ${b.integrity}\n`);
    const fromUrl = await url.install();
    assert.equal(fromUrl.code, 0, fromUrl.stdout);
    assert.ok(url.folders().includes('acme-plugin-b-2.0.0'));
  });

  it('installs an OCI plugin pinned by digest and re-checks a tag with pullPolicy Always', async () => {
    const ws = new Workspace().config(`plugins:\n  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-x\n`);
    const first = await ws.install();
    assert.equal(first.code, 0, first.stdout);
    const digest = first.json.plugins[0].record.digest;
    const pinned = new Workspace().config(`plugins:\n  - package: oci://${oci.host}/acme/plugins@${digest}!plugin-y\n`);
    const byDigest = await pinned.install();
    assert.equal(byDigest.code, 0, byDigest.stdout);
    assert.ok(pinned.folders().includes('plugin-y'));

    ws.config(`plugins:\n  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-x\n    pullPolicy: Always\n`);
    assert.equal((await ws.install()).json.plugins[0].status, 'installed', 'the entry changed');
    assert.equal((await ws.install()).json.plugins[0].status, 'unchanged', 'same remote digest: nothing downloaded');
    await publishImage(`oci://${oci.host}/acme/plugins:1.0.0`, [{ dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.1' }]);
    const moved = await ws.install();
    assert.equal(moved.json.plugins[0].status, 'installed', 'the tag moved: downloaded again');
    assert.equal(moved.json.plugins[0].record.version, '3.0.1');
    // Put the tag back for the other tests.
    await publishImage(`oci://${oci.host}/acme/plugins:1.0.0`, [
      { dir: 'plugin-x', name: '@acme/plugin-x', version: '3.0.0' },
      { dir: 'plugin-y', name: '@acme/plugin-y', version: '3.0.0' },
    ]);
  });

  it('fetches nothing on an unchanged re-run and re-merges the config', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + `  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-y\n`);
    assert.equal((await ws.install()).code, 0);
    await new Promise(r => setTimeout(r, 300));
    const before = npm.tarballRequests();
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0', '    pluginConfig: { a: 2 }\n') + `  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-y\n`);
    const again = await ws.install();
    await new Promise(r => setTimeout(r, 300));
    assert.equal(again.code, 0);
    assert.deepEqual(again.json.plugins.map((p: any) => p.status), ['unchanged', 'unchanged']);
    assert.equal(npm.tarballRequests(), before, 'no tarball was requested');
    assert.match(ws.appConfig(), /^a: 2$/m);
  });

  it('re-installs a local plugin whose folder changed, and only then', async () => {
    const ws = new Workspace();
    const source = path.join(ws.dir, 'dist/local-plugin');
    fs.mkdirSync(source, { recursive: true });
    fs.writeFileSync(path.join(source, 'package.json'), '{"name":"local-plugin","version":"1.0.0"}');
    ws.config('plugins:\n  - package: ./dist/local-plugin\n');
    assert.equal((await ws.install()).json.plugins[0].status, 'installed');
    assert.equal((await ws.install()).json.plugins[0].status, 'unchanged');
    fs.writeFileSync(path.join(source, 'index.js'), 'module.exports = 42;\n');
    assert.equal((await ws.install()).json.plugins[0].status, 'installed');
    assert.equal(fs.readFileSync(path.join(ws.root, 'local-plugin/index.js'), 'utf8'), 'module.exports = 42;\n');
  });

  it('upgrades a plugin and removes the ones no longer configured', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + entry('@acme/plugin-b@2.0.0'));
    assert.equal((await ws.install()).code, 0);
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0'));
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.deepEqual(ws.snapshot(), ['.devportal-installed.json', 'acme-plugin-a-1.1.0:1.1.0', 'app-config.dynamic-plugins.yaml']);
  });

  it('keeps a preInstalled plugin found in the root and merges its config without fetching', async () => {
    const ws = new Workspace().npmrc('registry=http://127.0.0.1:9/\n');
    fs.mkdirSync(path.join(ws.root, 'baked-in'), { recursive: true });
    fs.writeFileSync(path.join(ws.root, 'baked-in/package.json'), '{"name":"@acme/baked-in","version":"4.0.0"}');
    ws.config('plugins:\n  - package: "@acme/baked-in@4.0.0"\n    preInstalled: true\n    pluginConfig: { baked: true }\n');
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.match(ws.appConfig(), /^baked: true$/m);
    assert.ok(ws.folders().includes('baked-in'));

    ws.config('plugins:\n  - package: "@acme/missing@1.0.0"\n    preInstalled: true\n');
    const missing = await ws.install();
    assert.equal(missing.code, 1);
    assert.equal(missing.json.plugins[0].error.code, 'PREINSTALLED_MISSING');
  });

  it('does not install a disabled plugin', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0', '    disabled: true\n') + entry('@acme/plugin-b@2.0.0', '    disabled: true\n    enabled: true\n'));
    const result = await ws.install();
    assert.equal(result.code, 0);
    assert.deepEqual(result.json.plugins.map((p: any) => p.status), ['disabled', 'installed']);
  });

  it('refuses a remote package without integrity, keeping the previous plugins', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
    assert.equal((await ws.install()).code, 0);
    const before = ws.snapshot();
    ws.config('plugins:\n  - package: "@acme/plugin-b@2.0.0"\n');
    const result = await ws.install();
    assert.equal(result.code, 1);
    const failed = result.json.plugins.find((p: any) => p.status === 'failed');
    assert.equal(failed.error.code, 'INTEGRITY_MISSING');
    assert.deepEqual(ws.snapshot(), before);
  });

  it('installs without integrity only when told to skip the check', async () => {
    const ws = new Workspace().npmrc(registryLine()).config('plugins:\n  - package: "@acme/plugin-b@2.0.0"\n');
    assert.equal((await ws.install(['--skip-integrity'])).code, 0);
    const env = new Workspace().npmrc(registryLine()).config('plugins:\n  - package: "@acme/plugin-b@2.0.0"\n');
    assert.equal((await env.install([], { SKIP_INTEGRITY_CHECK: 'true' })).code, 0);
  });

  it('refuses a package whose integrity does not match, keeping the previous plugins', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
    assert.equal((await ws.install()).code, 0);
    const before = ws.snapshot();
    const wrong = published['@acme/plugin-a@1.1.0'].integrity;
    ws.config(`plugins:\n  - package: "@acme/plugin-b@2.0.0"\n    integrity: ${wrong}\n`);
    const result = await ws.install();
    assert.equal(result.code, 1);
    assert.equal(result.json.plugins[0].error.code, 'INTEGRITY_MISMATCH');
    assert.deepEqual(ws.snapshot(), before);
    assert.deepEqual(fs.readdirSync(ws.root).filter(f => f.startsWith('.devportal-staging')), []);
  });

  it('needs a token for the private scope and never prints it', async () => {
    const noToken = new Workspace().npmrc(registryLine()).config('plugins:\n' + entry('@private/plugin-secret@1.0.0'));
    const denied = await noToken.install();
    assert.equal(denied.code, 1);
    assert.equal(denied.json.plugins[0].error.code, 'REGISTRY_AUTH_FAILED');

    const badToken = 'not-a-real-token-0123456789';
    const wrong = new Workspace().npmrc(registryLine() + tokenLine(badToken)).config('plugins:\n' + entry('@private/plugin-secret@1.0.0'));
    const refused = await wrong.install();
    assert.equal(refused.code, 1);
    assert.ok(!refused.stdout.includes(badToken) && !refused.stderr.includes(badToken), 'the token is not printed');
  });

  it('reads OCI credentials from REGISTRY_AUTH_FILE and refuses without them', async () => {
    const config = `plugins:\n  - package: oci://${ociAuth.host}/acme/plugins:1.0.0!plugin-x\n`;
    const anonymous = new Workspace().config(config);
    const noCredentials = path.join(anonymous.dir, 'auth.json');
    fs.writeFileSync(noCredentials, JSON.stringify({ auths: {} }));
    const denied = await anonymous.install([], { REGISTRY_AUTH_FILE: noCredentials });
    assert.equal(denied.code, 1);
    assert.equal(denied.json.plugins[0].error.code, 'REGISTRY_AUTH_FAILED');

    const ws = new Workspace().config(config);
    const authFile = path.join(ws.dir, 'auth.json');
    fs.writeFileSync(authFile, JSON.stringify({ auths: { [ociAuth.host]: { auth: Buffer.from('robot:registry-secret-pw').toString('base64') } } }));
    const result = await ws.install([], { REGISTRY_AUTH_FILE: authFile });
    assert.equal(result.code, 0, result.stdout);
    assert.ok(ws.folders().includes('plugin-x'));
    assert.ok(!result.stdout.includes('registry-secret-pw'));
  });

  it('reports one clear line per plugin when a registry is down', async () => {
    const ws = new Workspace().npmrc('registry=http://127.0.0.1:9/\n');
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + `  - package: oci://127.0.0.1:9/acme/plugins:1.0.0!plugin-x\n`);
    const result = await run(['plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', ws.root], { cwd: ws.dir });
    assert.equal(result.code, 1);
    const lines = result.stderr.split('\n').filter(l => l.startsWith('devportal: failed:'));
    assert.equal(lines.length, 2, result.stderr);
    assert.match(lines[0], /@acme\/plugin-a@1\.0\.0: registry unreachable/);
    assert.match(lines[1], /127\.0\.0\.1:9/);
    assert.ok(!result.stderr.includes('    at '), 'no stack trace');
  });

  it('retries a registry that fails with 500 and then answers', async () => {
    // A proxy in front of verdaccio that fails the first tarball request.
    let failures = 0;
    const proxy = http.createServer(async (req, res) => {
      if (req.url!.endsWith('.tgz') && failures === 0) {
        failures++;
        res.writeHead(500).end('boom');
        return;
      }
      const upstream = await fetch(`${npm.url}${req.url}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await upstream.arrayBuffer());
      const text = body.toString().split(npm.url).join(`http://127.0.0.1:${(proxy.address() as any).port}`);
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(req.url!.endsWith('.tgz') ? body : text);
    });
    await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const port = (proxy.address() as any).port;
      const ws = new Workspace().npmrc(`registry=http://127.0.0.1:${port}/\n`).config('plugins:\n' + entry('@acme/plugin-b@2.0.0'));
      const result = await ws.install();
      assert.equal(result.code, 0, result.stdout);
      assert.equal(failures, 1, 'the first tarball request failed');
      assert.ok(ws.folders().includes('acme-plugin-b-2.0.0'));
    } finally {
      proxy.close();
    }
  });

  it('refuses an archive entry over --max-entry-size and leaves nothing behind', async () => {
    const big = await npm.publish({ name: '@acme/big', version: '1.0.0', files: { 'dist/big.bin': Buffer.alloc(300_000, 7) } });
    const ws = new Workspace().npmrc(registryLine()).config(`plugins:\n  - package: "@acme/big@1.0.0"\n    integrity: ${big.integrity}\n`);
    const result = await ws.install(['--max-entry-size', '100000']);
    assert.equal(result.code, 1);
    assert.equal(result.json.plugins[0].error.code, 'ENTRY_TOO_LARGE');
    assert.match(result.json.plugins[0].error.message, /big\.bin/);
    assert.deepEqual(ws.folders().filter(f => !f.startsWith('.devportal-install')), []);
    assert.equal((await ws.install()).code, 0, 'the default 40 MB cap accepts it');
  });

  it('names file, line and column of a malformed dynamic-plugins.yaml', async () => {
    const ws = new Workspace().config('plugins:\n  - package: a\n   disabled: true\n');
    const result = await run(['plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', ws.root], { cwd: ws.dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /dynamic-plugins\.yaml:3:\d+: invalid YAML/);
  });

  it('refuses an npm package holding a link out of its folder and leaves nothing behind', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-evil-'));
    fs.mkdirSync(path.join(work, 'package'));
    fs.writeFileSync(path.join(work, 'package/package.json'), '{"name":"@acme/evil-link","version":"1.0.0"}');
    fs.symlinkSync('/etc/passwd', path.join(work, 'package/passwd'));
    const file = path.join(work, 'evil.tgz');
    await tar.create({ gzip: true, cwd: work, file, portable: true }, ['package']);
    const ws = new Workspace().config(`plugins:\n  - package: ${file}\n`);
    const result = await ws.install();
    assert.equal(result.code, 1, result.stdout);
    assert.equal(result.json.plugins[0].error.code, 'UNSAFE_SYMLINK');
    assert.match(result.json.plugins[0].error.message, /passwd/);
    assert.deepEqual(ws.folders().filter(f => !f.startsWith('.devportal-install')), []);
  });

  it('repairs the root after an installer killed with SIGKILL', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
    assert.equal((await ws.install()).code, 0);
    const oldState = ws.snapshot();
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0') + entry('@acme/plugin-b@2.0.0') + `  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-x\n`);
    // Kills at different moments: while resolving, downloading, extracting, switching.
    for (const delayMs of [20, 60, 120, 200, 300, 450]) {
      await ws.install([], {}, pid =>
        setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // it finished first: the re-run below must then find the new state as it is
          }
        }, delayMs),
      );
      const repaired = await ws.install();
      assert.equal(repaired.code, 0, `after a kill at ${delayMs} ms: ${repaired.stdout}`);
      assert.deepEqual(ws.snapshot(), [
        '.devportal-installed.json',
        'acme-plugin-a-1.1.0:1.1.0',
        'acme-plugin-b-2.0.0:2.0.0',
        'app-config.dynamic-plugins.yaml',
        'plugin-x:3.0.0',
      ]);
      // Back to the old set for the next round.
      ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
      assert.equal((await ws.install()).code, 0);
      assert.deepEqual(ws.snapshot(), oldState);
      ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0') + entry('@acme/plugin-b@2.0.0') + `  - package: oci://${oci.host}/acme/plugins:1.0.0!plugin-x\n`);
    }
  });

  it('serializes two installers on the same root', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0') + entry('@acme/plugin-b@2.0.0'));
    const [first, second] = await Promise.all([ws.install(), ws.install()]);
    assert.equal(first.code, 0, first.stdout);
    assert.equal(second.code, 0, second.stdout);
    assert.deepEqual(ws.snapshot(), ['.devportal-installed.json', 'acme-plugin-a-1.0.0:1.0.0', 'acme-plugin-b-2.0.0:2.0.0', 'app-config.dynamic-plugins.yaml']);
  });

  it('takes over the lock of an installer that died', async () => {
    const ws = new Workspace().npmrc(registryLine()).config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
    const lock = path.join(ws.root, '.devportal-install.lock');
    fs.mkdirSync(lock, { recursive: true });
    fs.writeFileSync(path.join(lock, 'owner'), 'pid 1 on a-dead-pod');
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    const result = await ws.install();
    assert.equal(result.code, 0, result.stdout);
    assert.ok(!fs.existsSync(lock));
  });
});
