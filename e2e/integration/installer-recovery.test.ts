import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { describe, it } from 'node:test';
import { run, useInstallerRegistries, Workspace } from '../support/installer.ts';

/**
 * `devportal-cli plugins install` when things go wrong, against a real npm
 * registry (verdaccio) and a real OCI registry (Debian's docker-registry):
 * a registry down or failing once, a malformed config, an installer killed
 * mid-run, two installers at once, a lock left by a dead one.
 */
describe('plugins install: failures and recovery', () => {
  const registries = useInstallerRegistries();
  const { registryLine, entry } = registries;

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
      const upstream = await fetch(`${registries.npm.url}${req.url}`, { headers: { accept: String(req.headers.accept ?? '*/*') } });
      const body = Buffer.from(await upstream.arrayBuffer());
      const text = body.toString().split(registries.npm.url).join(`http://127.0.0.1:${(proxy.address() as any).port}`);
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

  it('names file, line and column of a malformed dynamic-plugins.yaml', async () => {
    const ws = new Workspace().config('plugins:\n  - package: a\n   disabled: true\n');
    const result = await run(['plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', ws.root], { cwd: ws.dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /dynamic-plugins\.yaml:3:\d+: invalid YAML/);
  });

  it('repairs the root after an installer killed with SIGKILL', async () => {
    const ws = new Workspace().npmrc(registryLine());
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.0.0'));
    assert.equal((await ws.install()).code, 0);
    const oldState = ws.snapshot();
    ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0') + entry('@acme/plugin-b@2.0.0') + `  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-x\n`);
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
      ws.config('plugins:\n' + entry('@acme/plugin-a@1.1.0') + entry('@acme/plugin-b@2.0.0') + `  - package: oci://${registries.oci.host}/acme/plugins:1.0.0!plugin-x\n`);
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
