import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { run, Workspace } from '../support/installer.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';

/**
 * A trusted catalog end to end, as an organisation runs it: `devportal-cli
 * plugin publish --sign <key>` to a loopback npm registry (a small server
 * here that keeps what it is sent, signatures included) and to Debian's
 * docker-registry (a cosign-style `.sig`), then `plugins install` under a
 * `trust:` policy in dynamic-plugins.yaml, and `plugins list` showing who
 * signed what. Unit tests of each check: packages/plugin-installer/src/trust.
 */

interface NpmFixture {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

/** npm's publish protocol (PUT of the package document with its tarball attached) and the reads pacote makes. */
async function startNpmFixture(): Promise<NpmFixture> {
  const packuments = new Map<string, any>();
  const tarballs = new Map<string, Buffer>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(`${req.method} ${url}`);
    if (req.method === 'PUT') {
      let body = '';
      req.on('data', d => (body += d));
      req.on('end', () => {
        const doc = JSON.parse(body);
        const current = packuments.get(doc.name) ?? { name: doc.name, 'dist-tags': {}, versions: {} };
        Object.assign(current.versions, doc.versions);
        Object.assign(current['dist-tags'], doc['dist-tags']);
        packuments.set(doc.name, current);
        for (const [file, attachment] of Object.entries<any>(doc._attachments ?? {})) {
          tarballs.set(`/${doc.name}/-/${file}`, Buffer.from(attachment.data, 'base64'));
        }
        res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
      return;
    }
    const tarball = tarballs.get(url);
    if (tarball) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(tarball);
    const doc = packuments.get(url.slice(1));
    if (doc) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests,
    close: () => new Promise(resolve => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

describe('trust policy: signed publish, verified install', () => {
  let npm: NpmFixture;
  let oci: StartedRegistry;
  const keys = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-keys-'));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-src-'));

  before(async () => {
    [npm, oci] = await Promise.all([startNpmFixture(), startRegistry()]);
    for (const name of ['release', 'stranger']) {
      const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
      fs.writeFileSync(path.join(keys, `${name}.pem`), pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
      fs.writeFileSync(path.join(keys, `${name}.pub`), pair.publicKey.export({ format: 'pem', type: 'spki' }));
    }
  });
  after(async () => {
    await npm?.close();
    await oci?.stop();
    fs.rmSync(keys, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A plugin package folder under `work`. */
  function pluginDir(dir: string, name: string, version: string) {
    fs.mkdirSync(path.join(work, dir, 'dist'), { recursive: true });
    fs.writeFileSync(path.join(work, dir, 'package.json'), JSON.stringify({ name, version, backstage: { role: 'backend-plugin' } }));
    fs.writeFileSync(path.join(work, dir, 'dist/index.cjs.js'), `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`);
    return dir;
  }

  async function publish(args: string[]) {
    const result = await run(['plugin', 'publish', '--json', ...args], { cwd: work });
    assert.equal(result.code, 0, result.stderr);
    return result.json;
  }

  function workspace(mode: string, plugins: string[]) {
    const ws = new Workspace().npmrc(`registry=${npm.url}\n`);
    fs.copyFileSync(path.join(keys, 'release.pub'), path.join(ws.dir, 'release.pub'));
    ws.config(
      `trust:\n  mode: ${mode}\n  publicKeys:\n    release:\n      publicKeyFile: release.pub\n  trustedKeys: [release]\n` +
        `plugins:\n${plugins.map(p => `  - package: ${p}\n`).join('')}`,
    );
    return ws;
  }

  it('installs what the release key signed and shows who signed it; refuses an unsigned image and keeps the previous plugins', async () => {
    const npmResult = await publish(['--npm', npm.url, '--sign', path.join(keys, 'release.pem'), pluginDir('npm-a', 'trusted-npm-plugin', '1.0.0')]);
    assert.match(npmResult.packages[0].keyid, /^SHA256:/);
    const image = `oci://${oci.host}/catalog/plugins:1.0.0`;
    const ociResult = await publish(['--oci', image, '--sign', path.join(keys, 'release.pem'), pluginDir('oci-a', 'trusted-oci-plugin', '1.0.0')]);
    assert.match(ociResult.signature.digest, /^sha256:/);

    const ws = workspace('enforce', ['trusted-npm-plugin@1.0.0', `${image}!oci-a`]);
    const installed = await ws.install();
    assert.equal(installed.code, 0, installed.stderr + installed.stdout);
    const list = await run(['plugins', 'list', '--root', ws.root, '--json'], { cwd: ws.dir });
    const byName = Object.fromEntries(list.json.plugins.map((p: any) => [p.name, p.trust]));
    assert.deepEqual(byName['trusted-npm-plugin'], { status: 'verified', mode: 'enforce', method: 'npm-registry-signature', by: 'key release' });
    assert.deepEqual(byName['trusted-oci-plugin'], { status: 'verified', mode: 'enforce', method: 'cosign', by: 'key release' });
    const table = await run(['plugins', 'list', '--root', ws.root], { cwd: ws.dir });
    assert.match(table.stdout, /^trusted-oci-plugin@1\.0\.0\toci\toci-a\tsha256:[0-9a-f]{64}\tverified by key release$/m);

    // The tag now points at an image nobody signed.
    await publish(['--oci', image, pluginDir('oci-b', 'trusted-oci-plugin', '1.0.0')]);
    fs.appendFileSync(path.join(ws.dir, 'dynamic-plugins.yaml'), '    pullPolicy: Always\n');
    const refused = await ws.install([], {});
    assert.equal(refused.code, 1);
    const failed = refused.json.plugins.find((p: any) => p.status === 'failed');
    assert.equal(failed.error.code, 'TRUST_UNSIGNED');
    assert.match(failed.error.message, new RegExp(`^${image.replace(/[.:/]/g, '\\$&')}!oci-a: expected a signature by key release; found no signature \\(no sha256-[0-9a-f]{64}\\.sig in ${oci.host}/catalog/plugins, no signature referrer\\) \\(trust policy: enforce\\)$`));
    assert.deepEqual(ws.folders(), ['.devportal-installed.json', 'app-config.dynamic-plugins.yaml', 'oci-a', 'trusted-npm-plugin-1.0.0']);
    assert.equal(fs.readFileSync(path.join(ws.root, 'oci-a/dist/index.cjs.js'), 'utf8'), 'module.exports = "trusted-oci-plugin@1.0.0";\n');
  });

  it('under audit installs a package signed by an untrusted key and says so in the install output', async () => {
    await publish(['--npm', npm.url, '--sign', path.join(keys, 'stranger.pem'), pluginDir('npm-s', 'stranger-plugin', '1.0.0')]);
    const integrity = JSON.parse(await (await fetch(`${npm.url}stranger-plugin`)).text()).versions['1.0.0'].dist.integrity;
    const ws = workspace('audit', [`stranger-plugin@1.0.0\n    integrity: ${integrity}`]);
    const installed = await ws.install();
    assert.equal(installed.code, 0, installed.stderr);
    assert.equal(installed.json.warnings.length, 1);
    assert.match(installed.json.warnings[0], /^stranger-plugin@1\.0\.0: trust invalid: a signature by key SHA256:\S+, which the policy does not trust \(trust policy: audit, installed anyway\)$/);
    const list = await run(['plugins', 'list', '--root', ws.root, '--json'], { cwd: ws.dir });
    assert.equal(list.json.plugins[0].trust.status, 'invalid');

    // An unchanged re-run verifies nothing again: no request reaches the registry.
    const before = npm.requests.length;
    const again = await ws.install();
    assert.equal(again.code, 0);
    assert.equal(npm.requests.length, before);
    assert.equal(again.json.warnings.length, 1);
  });
});
