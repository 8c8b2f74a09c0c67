import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar';
import { publishNpmFixtures, publishOciAuthFixtures, Workspace, type Published } from '../support/installer.ts';
import { startRegistry, type StartedRegistry } from '../support/registry.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * What `devportal-cli plugins install` refuses, against a real npm registry
 * (verdaccio, with a private scope) and a real OCI registry with basic auth
 * (Debian's docker-registry): missing or wrong integrity, missing
 * credentials (never printed), oversized entries and links out of a package.
 */
describe('plugins install: integrity, credentials and unsafe archives', () => {
  let npm: StartedVerdaccio;
  let ociAuth: StartedRegistry;
  const published: Published = {};
  const registryLine = () => `registry=${npm.url}/\n`;
  const tokenLine = (token: string) => `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${token}\n`;

  before(async () => {
    [npm, ociAuth] = await Promise.all([
      startVerdaccio({ privateScope: '@private' }),
      startRegistry({ htpasswd: { user: 'robot', password: 'registry-secret-pw' } }),
    ]);
    Object.assign(published, await publishNpmFixtures(npm));
    await publishOciAuthFixtures(ociAuth, 'robot', 'registry-secret-pw');
  });

  after(async () => {
    await Promise.all([npm?.stop(), ociAuth?.stop()]);
  });

  const entry = (spec: string, extra = '') =>
    `  - package: "${spec}"\n    integrity: ${published[spec].integrity}\n${extra}`;

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
});
