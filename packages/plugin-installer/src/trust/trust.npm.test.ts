import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packTarball, startFakeNpmRegistry, type FakeNpmRegistry } from '../../testing/npmRegistry';
import { installPlugins, readState, type InstallOptions } from '../install';
import { npmPurl } from './npmProvenance';
import { describeKey } from './policy';
import { signNpmVersion } from './sign';

/*
 * The trust policy for npm packages against a loopback registry that serves
 * what a signing registry serves: `dist.signatures`, `/-/npm/v1/keys` and
 * provenance attestations, all made here with test keys.
 */

let registry: FakeNpmRegistry;
const dirs: string[] = [];
const newKey = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const release = newKey();
const stranger = newKey();
const registryKey = newKey();

beforeAll(async () => {
  registry = await startFakeNpmRegistry();
  const spki = registryKey.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const body = JSON.stringify({ keys: [{ keyid: describeKey(registryKey.publicKey).keyid, keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256', key: spki, expires: null }] });
  registry.tarball('npm/v1/keys', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(body));
});
afterAll(async () => {
  await registry.close();
  dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true }));
});

const indent = (text: string, n: number) => text.trim().split('\n').map(line => `${' '.repeat(n)}${line}`).join('\n');
const pem = (key: crypto.KeyObject) => key.export({ format: 'pem', type: 'spki' }).toString();

/** A dynamic-plugins.yaml with a trust block (`policy`, YAML under `trust:`) trusting the `release` key. */
function workspace(plugins: string, policy: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-npm-'));
  dirs.push(dir);
  const trust = `trust:\n  publicKeys:\n    release:\n      publicKey: |\n${indent(pem(release.publicKey), 8)}\n${indent(policy, 2)}\n`;
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), `${trust}plugins:\n${plugins}`);
  const lines: string[] = [];
  const options: InstallOptions = {
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root: path.join(dir, 'root'),
    env: { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc'), npm_config_registry: `${registry.url}/` },
    network: { retries: 0, timeoutMs: 5_000 },
    log: line => lines.push(line),
  };
  const write = (text: string) => fs.writeFileSync(options.configFile, text);
  return { dir, options, lines, write, install: () => installPlugins(options) };
}

interface PublishOptions {
  signer?: crypto.KeyObject;
  /** Sign these bytes' integrity instead (a stale signature). */
  signedIntegrity?: string;
  attestations?: unknown;
}

/** Publishes `name@version` with a registry signature by `signer` (if any). */
function publish(name: string, version: string, options: PublishOptions = {}) {
  const packed = packTarball({ name, version, description: crypto.randomUUID() });
  const tarball = registry.tarball(`${name}-${version}.tgz`, packed.bytes);
  const dist: Record<string, unknown> = { tarball, integrity: packed.sha512 };
  if (options.signer) dist.signatures = [signNpmVersion(options.signer, name, version, options.signedIntegrity ?? packed.sha512)];
  if (options.attestations) {
    const file = `npm/v1/attestations/${name}@${version}`;
    registry.tarball(file, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(options.attestations)));
    dist.attestations = { url: `${registry.url}/-/${file}`, provenance: { predicateType: 'https://slsa.dev/provenance/v1' } };
  }
  registry.publish(name, { [version]: { name, version, dist } });
  return packed;
}

const signatureRequests = () => registry.requests.filter(r => r.startsWith('/-/npm/v1/'));

describe('trust policy for npm packages', () => {
  it('verifies a registry signature by a configured key, pins what it verified, and does no new verification on an unchanged re-run', async () => {
    const packed = publish('signed-a', '1.0.0', { signer: release.privateKey });
    const ws = workspace(`  - package: signed-a@1.0.0\n    integrity: ${packed.sha512}\n`, 'mode: enforce\ntrustedKeys: [release]');
    const outcome = await ws.install();
    expect(outcome.ok).toBe(true);
    const state = await readState(ws.options.root);
    expect(state!.plugins['signed-a'].trust).toEqual({ status: 'verified', mode: 'enforce', method: 'npm-registry-signature', by: 'key release' });
    expect(ws.lines).toContain('signed-a@1.0.0: verified by key release (npm-registry-signature)');
    const before = registry.requests.length;
    expect((await ws.install()).plugins[0].status).toBe('unchanged');
    expect(registry.requests.length).toBe(before);
  });

  it('asks the registry for the manifest once: the trust check and the download share it', async () => {
    const a = publish('shared-a', '1.0.0', { signer: release.privateKey });
    publish('shared-b', '1.0.0', { signer: release.privateKey });
    // One pinned, one not (pinned by the check to the integrity it verified).
    const ws = workspace(`  - package: shared-a@1.0.0\n    integrity: ${a.sha512}\n  - package: shared-b@1.0.0\n`, 'mode: enforce\ntrustedKeys: [release]');
    const start = registry.requests.length;
    const outcome = await ws.install();
    expect(outcome.plugins.map(p => p.error)).toEqual([undefined, undefined]);
    expect(registry.requests.slice(start).sort()).toEqual(['/-/shared-a-1.0.0.tgz', '/-/shared-b-1.0.0.tgz', '/shared-a', '/shared-b']);
  });

  it("trusts the registry's own keys from /-/npm/v1/keys only when the policy says so", async () => {
    publish('registry-signed', '1.0.0', { signer: registryKey.privateKey });
    const trusting = workspace('  - package: registry-signed@1.0.0\n', 'mode: enforce\nnpmRegistryKeys: true');
    expect((await trusting.install()).ok).toBe(true);
    expect((await readState(trusting.options.root))!.plugins['registry-signed'].trust?.by).toMatch(/^registry key SHA256:/);
    expect(signatureRequests()).toContain('/-/npm/v1/keys');

    const strict = workspace('  - package: registry-signed@1.0.0\n', 'mode: enforce\ntrustedKeys: [release]');
    const refused = await strict.install();
    expect(refused.ok).toBe(false);
    expect(refused.plugins[0].error?.code).toBe('TRUST_INVALID');
  });

  it('refuses a valid signature by an untrusted key under enforce, and installs it with a warning under audit', async () => {
    const packed = publish('stranger-signed', '1.0.0', { signer: stranger.privateKey });
    const strangerId = describeKey(stranger.publicKey).keyid;
    const enforce = workspace('  - package: stranger-signed@1.0.0\n', 'mode: enforce\ntrustedKeys: [release]');
    const refused = await enforce.install();
    expect(refused.ok).toBe(false);
    expect(refused.plugins[0].error).toEqual({
      code: 'TRUST_INVALID',
      message: `stranger-signed@1.0.0: expected a signature by key release; found a signature by key ${strangerId}, which the policy does not trust (trust policy: enforce)`,
    });
    expect(fs.existsSync(path.join(enforce.options.root, 'stranger-signed-1.0.0'))).toBe(false);

    // Audit installs it only with the entry's own pin: an unverified integrity is not one.
    const unpinned = await workspace('  - package: stranger-signed@1.0.0\n', 'mode: audit\ntrustedKeys: [release]').install();
    expect(unpinned.plugins[0].error?.code).toBe('INTEGRITY_MISSING');
    const audit = workspace(`  - package: stranger-signed@1.0.0\n    integrity: ${packed.sha512}\n`, 'mode: audit\ntrustedKeys: [release]');
    const installed = await audit.install();
    expect(installed.ok).toBe(true);
    expect(installed.warnings).toEqual([expect.stringMatching(/^stranger-signed@1.0.0: trust invalid: a signature by key .* \(trust policy: audit, installed anyway\)$/)]);
    const state = await readState(audit.options.root);
    expect(state!.plugins['stranger-signed'].trust).toMatchObject({ status: 'invalid', mode: 'audit' });
    expect(state!.warnings).toEqual(installed.warnings);
  });

  it('refuses a tampered tarball with a stale signature, and keeps the previous plugins', async () => {
    publish('tampered', '1.0.0', { signer: release.privateKey });
    const ws = workspace('  - package: tampered@1.0.0\n', 'mode: enforce\ntrustedKeys: [release]');
    expect((await ws.install()).ok).toBe(true);
    const before = fs.readFileSync(path.join(ws.options.root, '.devportal-installed.json'), 'utf8');

    // 1.0.1's bytes were replaced after signing: the registry serves the new
    // integrity with the signature of the old one.
    const original = packTarball({ name: 'tampered', version: '1.0.1' });
    publish('tampered', '1.0.1', { signer: release.privateKey, signedIntegrity: original.sha512 });
    ws.write(fs.readFileSync(ws.options.configFile, 'utf8').replace('tampered@1.0.0', 'tampered@1.0.1'));
    const refused = await ws.install();
    expect(refused.ok).toBe(false);
    expect(refused.plugins[0].error?.code).toBe('TRUST_INVALID');
    expect(refused.plugins[0].error?.message).toMatch(/^tampered@1.0.1: expected a signature by key release; found a signature by key SHA256:\S+ that does not verify for tampered@1.0.1:sha512-/);
    expect(fs.readFileSync(path.join(ws.options.root, '.devportal-installed.json'), 'utf8')).toBe(before);
    expect(fs.existsSync(path.join(ws.options.root, 'tampered-1.0.0', 'package.json'))).toBe(true);

    // The signed integrity, but other bytes behind it: the pin refuses them before extraction.
    const signed = publish('swapped', '1.0.0', { signer: release.privateKey });
    registry.tarball('swapped-1.0.0.tgz', packTarball({ name: 'swapped', version: '1.0.0', evil: true }).bytes);
    const swapped = workspace('  - package: swapped@1.0.0\n', 'mode: enforce\ntrustedKeys: [release]');
    const result = await swapped.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0].error?.code).toBe('INTEGRITY_MISMATCH');
    expect(result.plugins[0].error?.message).toContain(signed.sha512);
  });

  it('refuses a missing signature under enforce unless the package is allow-listed with a reason', async () => {
    const packed = publish('unsigned-a', '1.0.0');
    const refused = await workspace('  - package: unsigned-a@1.0.0\n', 'mode: enforce\ntrustedKeys: [release]').install();
    expect(refused.plugins[0].error).toEqual({
      code: 'TRUST_UNSIGNED',
      message: 'unsigned-a@1.0.0: expected a signature by key release; found no registry signature (trust policy: enforce)',
    });
    const allowed = workspace(
      `  - package: unsigned-a@1.0.0\n    integrity: ${packed.sha512}\n`,
      'mode: enforce\ntrustedKeys: [release]\nallowUnsigned:\n  - package: unsigned-a\n    reason: built in-house, ticket SEC-1',
    );
    expect((await allowed.install()).ok).toBe(true);
    expect((await readState(allowed.options.root))!.plugins['unsigned-a'].trust).toEqual({
      status: 'unsigned',
      mode: 'enforce',
      method: 'npm-registry-signature',
      detail: 'allowed: built in-house, ticket SEC-1',
    });
  });

  it('makes no signature requests when the mode is off, and asks the registry exactly what it asks without a policy', async () => {
    const a = publish('off-a', '1.0.0', { signer: release.privateKey });
    const b = publish('off-b', '1.0.0');
    const plugins = `  - package: off-a@1.0.0\n    integrity: ${a.sha512}\n  - package: off-b@1.0.0\n    integrity: ${b.sha512}\n`;
    const count = async (ws: ReturnType<typeof workspace>) => {
      const start = registry.requests.length;
      const outcome = await ws.install();
      expect(outcome.ok).toBe(true);
      return registry.requests.slice(start).sort();
    };
    const bare = workspace(plugins, 'mode: off');
    bare.write(`plugins:\n${plugins}`); // no trust block at all
    const withoutPolicy = await count(bare);
    const off = workspace(plugins, 'mode: off\ntrustedKeys: [release]\nnpmRegistryKeys: true');
    const withOff = await count(off);
    expect(withOff).toEqual(withoutPolicy);
    expect(withOff.filter(r => r.startsWith('/-/npm/v1/'))).toEqual([]);
    expect((await readState(off.options.root))!.plugins['off-a'].trust).toEqual({ status: 'not-checked', mode: 'off' });
  });

  it('verifies an installed plugin again when the policy changes: what audit let through, enforce refuses', async () => {
    const packed = publish('audited', '1.0.0');
    const ws = workspace(`  - package: audited@1.0.0\n    integrity: ${packed.sha512}\n`, 'mode: audit\ntrustedKeys: [release]');
    expect((await ws.install()).ok).toBe(true);
    expect((await ws.install()).plugins[0].status).toBe('unchanged');
    ws.write(fs.readFileSync(ws.options.configFile, 'utf8').replace('mode: audit', 'mode: enforce'));
    const refused = await ws.install();
    expect(refused.plugins[0]).toMatchObject({ status: 'failed', error: { code: 'TRUST_UNSIGNED' } });
    // The root still holds what audit installed, with its audit result.
    expect((await readState(ws.options.root))!.plugins.audited.trust).toMatchObject({ status: 'unsigned', mode: 'audit' });
  });

  it('applies overrides by scope-less registry and lets a per-registry audit relax a default enforce', async () => {
    const packed = publish('override-a', '1.0.0');
    const ws = workspace(
      `  - package: override-a@1.0.0\n    integrity: ${packed.sha512}\n`,
      `mode: enforce\ntrustedKeys: [release]\noverrides:\n  - npmRegistry: ${registry.url}\n    mode: audit`,
    );
    const outcome = await ws.install();
    expect(outcome.ok).toBe(true);
    expect((await readState(ws.options.root))!.plugins['override-a'].trust).toMatchObject({ status: 'unsigned', mode: 'audit' });
  });

  it('verifies a provenance attestation signed by a trusted key and checks the source repository', async () => {
    const bundleFor = (name: string, version: string, integrity: string, repository: string, key: crypto.KeyObject) => {
      const sha512 = Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex');
      const statement = {
        _type: 'https://in-toto.io/Statement/v1',
        subject: [{ name: npmPurl(name, version), digest: { sha512 } }],
        predicateType: 'https://slsa.dev/provenance/v1',
        predicate: { buildDefinition: { externalParameters: { workflow: { repository, path: '.github/workflows/release.yml', ref: 'refs/tags/v1' } } } },
      };
      const payload = Buffer.from(JSON.stringify(statement));
      const payloadType = 'application/vnd.in-toto+json';
      // DSSE's pre-authentication encoding is what is signed.
      const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
      return {
        attestations: [
          {
            predicateType: 'https://slsa.dev/provenance/v1',
            bundle: {
              mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
              verificationMaterial: { publicKey: { hint: describeKey(crypto.createPublicKey(key)).keyid }, tlogEntries: [] },
              dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: crypto.sign('sha256', pae, key).toString('base64'), keyid: '' }] },
            },
          },
        ],
      };
    };
    const serve = (name: string, repo: string, key: crypto.KeyObject) => {
      const packed = packTarball({ name, version: '1.0.0' });
      const tarball = registry.tarball(`${name}-1.0.0.tgz`, packed.bytes);
      const file = `npm/v1/attestations/${name}@1.0.0`;
      const doc = bundleFor(name, '1.0.0', packed.sha512, repo, key);
      registry.tarball(file, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc)));
      registry.publish(name, { '1.0.0': { name, version: '1.0.0', dist: { tarball, integrity: packed.sha512, attestations: { url: `${registry.url}/-/${file}` } } } });
    };
    serve('prov-good', 'https://github.com/acme/plugins', release.privateKey);
    serve('prov-elsewhere', 'https://github.com/someone/fork', release.privateKey);
    const policy = 'mode: enforce\ntrustedKeys: [release]\nsourceRepositories: [https://github.com/acme]';
    const ws = workspace('  - package: prov-good@1.0.0\n', policy);
    expect((await ws.install()).ok).toBe(true);
    expect((await readState(ws.options.root))!.plugins['prov-good'].trust).toEqual({
      status: 'verified',
      mode: 'enforce',
      method: 'npm-provenance',
      by: 'key release',
      sourceRepository: 'https://github.com/acme/plugins',
    });
    const elsewhere = await workspace('  - package: prov-elsewhere@1.0.0\n', policy).install();
    expect(elsewhere.plugins[0].error?.message).toContain('provenance says it was built from https://github.com/someone/fork, not from https://github.com/acme');
  });
});
