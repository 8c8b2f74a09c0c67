import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { startFakeOciRegistry } from '../../testing/fakeOciRegistry';
import { annotationsFor, cleanupTempDirs, makePluginLayer, startProxy, type LocalServer } from '../../testing/ociTestkit';
import { installPlugins, readState, type InstallOptions } from '../install';
import { parseOciReference } from '../oci/reference';
import { pushImage } from '../publish/push';
import { COSIGN_ARTIFACT_TYPE, SIMPLE_SIGNING_MEDIA_TYPE } from './cosign';
import { cosignLayer, signOciImage } from './sign';

jest.setTimeout(60_000);

/*
 * cosign-style signatures on images in Debian's docker-registry, made here
 * with test keys, read by the installer through a counting proxy.
 */

let registry: StartedRegistry;
let proxy: LocalServer & { requests: string[] };
const dirs: string[] = [];
const release = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startProxy(registry.url);
});
afterAll(async () => {
  await proxy?.close();
  await registry?.stop();
  dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
  cleanupTempDirs();
});

const pem = (key: crypto.KeyObject) => key.export({ format: 'pem', type: 'spki' }).toString();
const indent = (text: string, n: number) => text.trim().split('\n').map(line => `${' '.repeat(n)}${line}`).join('\n');

/** Pushes an image of `plugins` (folder → package.json) to `repo:tag`; returns its digest. */
async function image(repo: string, tag: string, plugins: Record<string, Record<string, unknown>>) {
  return pushImage(`oci://${registry.host}/${repo}:${tag}`, { layers: [{ data: makePluginLayer(plugins) }], annotations: annotationsFor(plugins) });
}

function workspace(plugins: string[], policy: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-oci-'));
  dirs.push(dir);
  const trust = `trust:\n  publicKeys:\n    release:\n      publicKey: |\n${indent(pem(release.publicKey), 8)}\n${indent(policy, 2)}\n`;
  const list = plugins.map(p => `  - package: ${p}\n`).join('');
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), `${trust}plugins:\n${list}`);
  const lines: string[] = [];
  const options: InstallOptions = {
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root: path.join(dir, 'root'),
    env: { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc'), REGISTRY_AUTH_FILE: path.join(dir, 'no-auth.json') },
    network: { retries: 0, timeoutMs: 10_000 },
    log: line => lines.push(line),
  };
  return { dir, options, lines, install: () => installPlugins(options) };
}

const sigRequests = () => proxy.requests.filter(r => r.includes('.sig'));

describe('trust policy for OCI images (cosign signatures)', () => {
  it('verifies an image signed by a trusted key, once for all its plugins, pinned to the signed digest', async () => {
    const plugins = { 'plugin-one': { name: 'plugin-one', version: '1.0.0' }, 'plugin-two': { name: 'plugin-two', version: '1.0.0' } };
    const digest = await image('signed', '1.0', plugins);
    await signOciImage(parseOciReference(`oci://${registry.host}/signed:1.0`), digest, release.privateKey);
    const before = sigRequests().length;
    const ws = workspace([`oci://${proxy.host}/signed:1.0!plugin-one`, `oci://${proxy.host}/signed:1.0!plugin-two`], 'mode: enforce\ntrustedKeys: [release]');
    const outcome = await ws.install();
    expect(outcome.plugins.map(p => p.error)).toEqual([undefined, undefined]);
    const state = await readState(ws.options.root);
    for (const record of Object.values(state!.plugins)) {
      expect(record.trust).toEqual({ status: 'verified', mode: 'enforce', method: 'cosign', by: 'key release' });
      expect(record.digest).toBe(digest);
    }
    // One signature manifest and its payload for both plugins.
    expect(sigRequests().length - before).toBe(1);
  });

  it('asks for a tagged image manifest once: the pull reuses the one the check resolved the tag with', async () => {
    const plugins = { 'plugin-r1': { name: 'plugin-r1', version: '1.0.0' }, 'plugin-r2': { name: 'plugin-r2', version: '1.0.0' } };
    const digest = await image('resolved', '1.0', plugins);
    await signOciImage(parseOciReference(`oci://${registry.host}/resolved:1.0`), digest, release.privateKey);
    const start = proxy.requests.length;
    const ws = workspace([`oci://${proxy.host}/resolved:1.0!plugin-r1`, `oci://${proxy.host}/resolved:1.0!plugin-r2`], 'mode: enforce\ntrustedKeys: [release]');
    const outcome = await ws.install();
    expect(outcome.plugins.map(p => p.error)).toEqual([undefined, undefined]);
    const manifests = proxy.requests.slice(start).filter(r => r.includes('/v2/resolved/manifests/'));
    // No HEAD, and no GET by digest: the tag's manifest and the signature's.
    expect(manifests.sort()).toEqual(['GET /v2/resolved/manifests/1.0', `GET /v2/resolved/manifests/${digest.replace(':', '-')}.sig`]);
    for (const record of Object.values((await readState(ws.options.root))!.plugins)) expect(record.digest).toBe(digest);
  });

  it('refuses an image signed by an untrusted key under enforce, installs it with a warning under audit', async () => {
    const digest = await image('stranger', '1.0', { 'plugin-s': { name: 'plugin-s', version: '1.0.0' } });
    await signOciImage(parseOciReference(`oci://${registry.host}/stranger:1.0`), digest, stranger.privateKey);
    const ref = `oci://${proxy.host}/stranger:1.0!plugin-s`;
    const refused = await workspace([ref], 'mode: enforce\ntrustedKeys: [release]').install();
    expect(refused.ok).toBe(false);
    expect(refused.plugins[0].error).toEqual({
      code: 'TRUST_INVALID',
      message: `${ref}: expected a signature by key release; found a signature by no trusted key (trust policy: enforce)`,
    });
    const audit = workspace([ref], 'mode: audit\ntrustedKeys: [release]');
    const installed = await audit.install();
    expect(installed.ok).toBe(true);
    expect(installed.warnings).toEqual([`${ref}: trust invalid: a signature by no trusted key (trust policy: audit, installed anyway)`]);
    expect((await readState(audit.options.root))!.plugins[Object.keys((await readState(audit.options.root))!.plugins)[0]].trust).toMatchObject({
      status: 'invalid',
      mode: 'audit',
    });
  });

  it('refuses a tag moved to new bytes (the signature is for the old digest), keeping the previous plugins', async () => {
    const first = await image('moved', 'stable', { 'plugin-m': { name: 'plugin-m', version: '1.0.0' } });
    await signOciImage(parseOciReference(`oci://${registry.host}/moved:stable`), first, release.privateKey);
    const ws = workspace([`oci://${proxy.host}/moved:stable!plugin-m`], 'mode: enforce\ntrustedKeys: [release]');
    // pullPolicy Always: the tag is looked up on every run.
    fs.appendFileSync(ws.options.configFile, '    pullPolicy: Always\n');
    expect((await ws.install()).ok).toBe(true);
    const stateBefore = fs.readFileSync(path.join(ws.options.root, '.devportal-installed.json'), 'utf8');

    const second = await image('moved', 'stable', { 'plugin-m': { name: 'plugin-m', version: '1.0.0', evil: true } });
    expect(second).not.toBe(first);
    const refused = await ws.install();
    expect(refused.ok).toBe(false);
    expect(refused.plugins[0].error?.code).toBe('TRUST_UNSIGNED');
    expect(refused.plugins[0].error?.message).toContain(`found no signature (no ${second.replace(':', '-')}.sig in ${proxy.host}/moved, no signature referrer)`);
    expect(fs.readFileSync(path.join(ws.options.root, '.devportal-installed.json'), 'utf8')).toBe(stateBefore);
    expect(JSON.parse(fs.readFileSync(path.join(ws.options.root, 'plugin-m', 'package.json'), 'utf8')).evil).toBeUndefined();
  });

  it('refuses a signature copied from another image (it names another digest)', async () => {
    const signedDigest = await image('copied', 'good', { 'plugin-c': { name: 'plugin-c', version: '1.0.0' } });
    const otherDigest = await image('copied', 'other', { 'plugin-c': { name: 'plugin-c', version: '6.6.6' } });
    // A valid signature by the trusted key, for the good image, stored as the other's.
    const layer = cosignLayer(release.privateKey, `${registry.host}/copied`, signedDigest);
    await pushImage(`oci://${registry.host}/copied:${otherDigest.replace(':', '-')}.sig`, { layers: [layer] });
    const ref = `oci://${proxy.host}/copied@${otherDigest}!plugin-c`;
    const refused = await workspace([ref], 'mode: enforce\ntrustedKeys: [release]').install();
    expect(refused.plugins[0].error).toEqual({
      code: 'TRUST_INVALID',
      message: `${ref}: expected a signature by key release; found a signature by key release for ${signedDigest}, not for the pulled ${otherDigest} (trust policy: enforce)`,
    });
  });

  it('refuses an unsigned image under enforce unless its repository is allow-listed', async () => {
    await image('unsigned', '1.0', { 'plugin-u': { name: 'plugin-u', version: '1.0.0' } });
    const ref = `oci://${proxy.host}/unsigned:1.0!plugin-u`;
    const refused = await workspace([ref], 'mode: enforce\ntrustedKeys: [release]').install();
    expect(refused.plugins[0].error?.code).toBe('TRUST_UNSIGNED');
    const allowed = workspace([ref], `mode: enforce\ntrustedKeys: [release]\nallowUnsigned:\n  - package: ${proxy.host}/unsigned\n    reason: vendor image, reviewed by hand`);
    expect((await allowed.install()).ok).toBe(true);
    expect(Object.values((await readState(allowed.options.root))!.plugins)[0].trust).toEqual({
      status: 'unsigned',
      mode: 'enforce',
      method: 'cosign',
      detail: 'allowed: vendor image, reviewed by hand',
    });
  });

  it('asks for no signature when the mode is off, also with an override for another repository', async () => {
    await image('quiet', '1.0', { 'plugin-q': { name: 'plugin-q', version: '1.0.0' } });
    const before = sigRequests().length;
    const ws = workspace(
      [`oci://${proxy.host}/quiet:1.0!plugin-q`],
      `mode: off\ntrustedKeys: [release]\noverrides:\n  - ociRepository: ${proxy.host}/elsewhere\n    mode: enforce`,
    );
    expect((await ws.install()).ok).toBe(true);
    expect(sigRequests().length).toBe(before);
    expect(Object.values((await readState(ws.options.root))!.plugins)[0].trust).toEqual({ status: 'not-checked', mode: 'off' });
  });
});

describe('cosign signatures as OCI 1.1 referrers', () => {
  it('finds a signature through the referrers API when there is no .sig tag, and still checks its digest', async () => {
    const fake = await startFakeOciRegistry();
    try {
      const plugins = { 'plugin-r': { name: 'plugin-r', version: '1.0.0' } };
      const digest = fake.image('referred', '1.0', [makePluginLayer(plugins)], { annotations: annotationsFor(plugins) });
      const other = fake.image('referred', 'other', [makePluginLayer({ 'plugin-r': { name: 'plugin-r', version: '2.0.0' } })], { annotations: annotationsFor(plugins) });
      // A signature manifest as cosign's oci-1-1 mode writes it: its layer is the payload.
      const signatureFor = (signed: string, tag: string) => {
        const layer = cosignLayer(release.privateKey, `${fake.host}/referred`, signed);
        const sigDigest = fake.image('referred', tag, [layer.data], {
          manifest: m => ({
            ...m,
            artifactType: COSIGN_ARTIFACT_TYPE,
            subject: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: signed, size: 1 },
            layers: [{ ...m.layers[0], mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: layer.annotations }],
          }),
        });
        return { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sigDigest, size: 1, artifactType: COSIGN_ARTIFACT_TYPE };
      };
      const index = (manifests: unknown[]) => (_req: unknown, res: any) =>
        res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
      fake.route(`/v2/referred/referrers/${digest}`, index([{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:' + '0'.repeat(64), size: 2, artifactType: 'application/example' }, signatureFor(digest, 'sig-good')]));
      // The other image's referrer list holds a signature of the first image.
      fake.route(`/v2/referred/referrers/${other}`, index([signatureFor(digest, 'sig-copied')]));

      const ws = workspace([`oci://${fake.host}/referred:1.0!plugin-r`], 'mode: enforce\ntrustedKeys: [release]');
      expect((await ws.install()).plugins[0].error).toBeUndefined();
      expect(Object.values((await readState(ws.options.root))!.plugins)[0].trust).toEqual({ status: 'verified', mode: 'enforce', method: 'cosign', by: 'key release' });
      expect(fake.requests).toContain(`GET /v2/referred/manifests/${digest.replace(':', '-')}.sig`);
      expect(fake.requests).toContain(`GET /v2/referred/referrers/${digest}`);

      const copied = await workspace([`oci://${fake.host}/referred:other!plugin-r`], 'mode: enforce\ntrustedKeys: [release]').install();
      expect(copied.plugins[0].error?.message).toContain(`found a signature by key release for ${digest}, not for the pulled ${other}`);
    } finally {
      await fake.close();
    }
  });
});
