import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startFakeOciRegistry } from '../../testing/fakeOciRegistry';
import { packTarball, startFakeNpmRegistry, type FakeNpmRegistry } from '../../testing/npmRegistry';
import { annotationsFor, makePluginLayer } from '../../testing/ociTestkit';
import { installPlugins, readState } from '../install';
import { COSIGN_SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, simpleSigningPayload } from './cosign';
import { COSIGN_BUNDLE_ANNOTATION, COSIGN_CERTIFICATE_ANNOTATION, COSIGN_CHAIN_ANNOTATION } from './cosignKeyless';
import { npmPurl } from './npmProvenance';

/*
 * Keyless npm provenance against a Sigstore-style trust root made here: a
 * certificate authority (Fulcio's role) issues short-lived certificates
 * naming a CI identity, a transparency log key (Rekor's role) signs each
 * entry's timestamp, and the root lists both, as `trusted_root.json` does.
 * The installer verifies the bundles with @sigstore/verify against that
 * root and the policy's identities. Certificates are made with openssl.
 */

const ISSUER = 'https://token.actions.test';
const FULCIO_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8';
let registry: FakeNpmRegistry;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-keyless-'));
const ec = () => crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const ca = ec();
const otherCa = ec();
const tlog = ec();
const der = (key: crypto.KeyObject) => key.export({ format: 'der', type: 'spki' });
const tlogKeyId = crypto.createHash('sha256').update(der(tlog.publicKey)).digest();

function openssl(args: string[]) {
  return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function writeKey(name: string, key: crypto.KeyObject) {
  fs.writeFileSync(path.join(dir, name), key.export({ format: 'pem', type: 'pkcs8' }));
  return name;
}

/** A self-signed CA certificate (DER). */
function caCert(name: string, key: crypto.KeyObject): Buffer {
  const key$ = writeKey(`${name}.key`, key);
  openssl(['req', '-x509', '-new', '-key', key$, '-subj', `/O=test/CN=${name}`, '-days', '2', '-sha256', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', `${name}.pem`]);
  openssl(['x509', '-in', `${name}.pem`, '-outform', 'DER', '-out', `${name}.der`]);
  return fs.readFileSync(path.join(dir, `${name}.der`));
}

/** A leaf certificate for `subject` (a SAN URI) and the OIDC issuer, issued by `issuerName`'s CA (PEM). */
function leafCert(name: string, key: crypto.KeyObject, subject: string, issuerName: string): string {
  fs.writeFileSync(
    path.join(dir, `${name}.cnf`),
    `[v3]\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\nsubjectAltName=URI:${subject}\n${FULCIO_ISSUER_V2}=ASN1:UTF8String:${ISSUER}\n`,
  );
  openssl(['req', '-new', '-key', writeKey(`${name}.key`, key), '-subj', '/O=sigstore-test', '-out', `${name}.csr`]);
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${issuerName}.pem`, '-CAkey', `${issuerName}.key`, '-CAcreateserial', '-days', '1', '-sha256', '-extfile', `${name}.cnf`, '-extensions', 'v3', '-out', `${name}.pem`]);
  return fs.readFileSync(path.join(dir, `${name}.pem`), 'utf8');
}

/** JSON with sorted keys (RFC 8785 for the flat objects used here): what Rekor signs. */
const canonical = (value: Record<string, unknown>) => `{${Object.keys(value).sort().map(k => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`).join(',')}}`;

/** A v0.1 Sigstore bundle: DSSE provenance signed by the certificate's key, logged with a signed entry timestamp. */
function keylessBundle(name: string, version: string, integrity: string, repository: string, leafKey: crypto.KeyObject, certPem: string) {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: npmPurl(name, version), digest: { sha512: Buffer.from(integrity.slice('sha512-'.length), 'base64').toString('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: { buildDefinition: { externalParameters: { workflow: { repository, path: '.github/workflows/release.yml', ref: 'refs/tags/v1' } } } },
  };
  const payload = Buffer.from(JSON.stringify(statement));
  const payloadType = 'application/vnd.in-toto+json';
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `), payload]);
  const sig = crypto.sign('sha256', pae, leafKey);
  const body = {
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      payloadHash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(payload).digest('hex') },
      signatures: [{ signature: sig.toString('base64'), verifier: Buffer.from(certPem).toString('base64') }],
    },
  };
  const canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
  // Logged just after the certificate was issued (openssl starts its validity now).
  const integratedTime = Math.floor(Date.now() / 1000) + 2;
  const set = crypto.sign('sha256', Buffer.from(canonical({ body: canonicalizedBody, integratedTime, logIndex: 7, logID: tlogKeyId.toString('hex') })), tlog.privateKey);
  const certDer = new crypto.X509Certificate(certPem).raw;
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: certDer.toString('base64') }] },
      tlogEntries: [
        {
          logIndex: '7',
          logId: { keyId: tlogKeyId.toString('base64') },
          kindVersion: { kind: 'dsse', version: '0.0.1' },
          integratedTime: String(integratedTime),
          inclusionPromise: { signedEntryTimestamp: set.toString('base64') },
          canonicalizedBody,
        },
      ],
    },
    dsseEnvelope: { payload: payload.toString('base64'), payloadType, signatures: [{ sig: sig.toString('base64'), keyid: '' }] },
  };
}

/** A trusted_root.json with one CA and one transparency log. */
function trustedRoot(caDer: Buffer) {
  const start = new Date(Date.now() - 86_400_000).toISOString();
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.test',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: der(tlog.publicKey).toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
        logId: { keyId: tlogKeyId.toString('base64') },
      },
    ],
    certificateAuthorities: [
      { subject: { organization: 'test', commonName: 'ca' }, uri: 'https://fulcio.test', certChain: { certificates: [{ rawBytes: caDer.toString('base64') }] }, validFor: { start } },
    ],
    ctlogs: [],
    timestampAuthorities: [],
  };
}

let caDer: Buffer;
let otherCaDer: Buffer;
beforeAll(async () => {
  registry = await startFakeNpmRegistry();
  caDer = caCert('ca', ca.privateKey);
  otherCaDer = caCert('otherca', otherCa.privateKey);
});
afterAll(async () => {
  await registry.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Publishes `name@1.0.0` whose provenance is a keyless bundle for `subject`, built from `repository`, issued by `issuerName`. */
function publish(name: string, subject: string, repository: string, issuerName = 'ca') {
  const packed = packTarball({ name, version: '1.0.0' });
  const tarball = registry.tarball(`${name}-1.0.0.tgz`, packed.bytes);
  const leaf = ec();
  const bundle = keylessBundle(name, '1.0.0', packed.sha512, repository, leaf.privateKey, leafCert(`leaf-${name}`, leaf.privateKey, subject, issuerName));
  const file = `npm/v1/attestations/${name}@1.0.0`;
  const doc = JSON.stringify({ attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle }] });
  registry.tarball(file, (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(doc));
  registry.publish(name, { '1.0.0': { name, version: '1.0.0', dist: { tarball, integrity: packed.sha512, attestations: { url: `${registry.url}/-/${file}` } } } });
  return packed;
}

async function install(name: string, packed: { sha512: string }, root: unknown = trustedRoot(caDer)) {
  const ws = fs.mkdtempSync(path.join(dir, 'ws-'));
  fs.writeFileSync(path.join(ws, 'trusted_root.json'), JSON.stringify(root));
  fs.writeFileSync(
    path.join(ws, 'dynamic-plugins.yaml'),
    'trust:\n  mode: enforce\n  trustedRoot: trusted_root.json\n  identities:\n    acme-ci:\n' +
      `      issuer: ${ISSUER}\n      subject: ^https://github\\.com/acme/plugins/\n` +
      '  trustedIdentities: [acme-ci]\n  sourceRepositories: [https://github.com/acme/plugins]\n' +
      `plugins:\n  - package: ${name}@1.0.0\n    integrity: ${packed.sha512}\n`,
  );
  const options = {
    configFile: path.join(ws, 'dynamic-plugins.yaml'),
    root: path.join(ws, 'root'),
    env: { NPM_CONFIG_USERCONFIG: path.join(ws, 'no-npmrc'), npm_config_registry: `${registry.url}/` },
    network: { retries: 0, timeoutMs: 5_000 },
  };
  const outcome = await installPlugins(options);
  return { outcome, state: await readState(options.root) };
}

const ACME_WORKFLOW = 'https://github.com/acme/plugins/.github/workflows/release.yml@refs/tags/v1';

describe('keyless npm provenance against a test Sigstore root', () => {
  it('verifies a bundle whose certificate names a trusted CI identity, chained to the configured CA and logged', async () => {
    const packed = publish('keyless-good', ACME_WORKFLOW, 'https://github.com/acme/plugins');
    const { outcome, state } = await install('keyless-good', packed);
    expect(outcome.plugins[0].error).toBeUndefined();
    expect(state!.plugins['keyless-good'].trust).toEqual({
      status: 'verified',
      mode: 'enforce',
      method: 'npm-provenance',
      by: 'identity acme-ci',
      sourceRepository: 'https://github.com/acme/plugins',
    });
  });

  it('refuses a certificate for another subject, one from an untrusted CA, and a build from another repository', async () => {
    const evil = publish('keyless-evil', 'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main', 'https://github.com/acme/plugins');
    const refusedEvil = await install('keyless-evil', evil);
    expect(refusedEvil.outcome.plugins[0].error?.code).toBe('TRUST_INVALID');
    expect(refusedEvil.outcome.plugins[0].error?.message).toContain(
      `found provenance is signed by https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main (issuer ${ISSUER}), not a trusted identity`,
    );

    const rogue = publish('keyless-rogue-ca', ACME_WORKFLOW, 'https://github.com/acme/plugins', 'otherca');
    const refusedRogue = await install('keyless-rogue-ca', rogue);
    expect(refusedRogue.outcome.plugins[0].error?.message).toContain('found provenance does not verify: Failed to verify certificate chain (trust policy: enforce)');

    const fork = publish('keyless-fork', ACME_WORKFLOW, 'https://github.com/acme/plugins-fork');
    const refusedFork = await install('keyless-fork', fork);
    expect(refusedFork.outcome.plugins[0].error?.message).toContain('says it was built from https://github.com/acme/plugins-fork, not from https://github.com/acme/plugins');

    // The same good bundle against a root that does not hold its CA.
    const good = publish('keyless-unrooted', ACME_WORKFLOW, 'https://github.com/acme/plugins');
    const unrooted = await install('keyless-unrooted', good, trustedRoot(otherCaDer));
    expect(unrooted.outcome.plugins[0].error?.message).toContain('found provenance does not verify: Failed to verify certificate chain');
  });
});

/** A Rekor-style entry for `body`: its canonical body, time, index and the log's signed entry timestamp. */
function logEntry(body: unknown) {
  const canonicalizedBody = Buffer.from(JSON.stringify(body)).toString('base64');
  const integratedTime = Math.floor(Date.now() / 1000) + 2;
  const logID = tlogKeyId.toString('hex');
  const set = crypto.sign('sha256', Buffer.from(canonical({ body: canonicalizedBody, integratedTime, logIndex: 9, logID })), tlog.privateKey);
  return { SignedEntryTimestamp: set.toString('base64'), Payload: { body: canonicalizedBody, integratedTime, logIndex: 9, logID } };
}

describe('keyless cosign signatures on OCI images against a test Sigstore root', () => {
  it('verifies a signature whose certificate names a trusted identity, and refuses another identity', async () => {
    const fake = await startFakeOciRegistry();
    try {
      const sign = (tag: string, plugin: string, subject: string) => {
        const plugins = { [plugin]: { name: plugin, version: '1.0.0' } };
        const digest = fake.image('keyless', tag, [makePluginLayer(plugins)], { annotations: annotationsFor(plugins) });
        const payload = simpleSigningPayload(`${fake.host}/keyless`, digest);
        const leaf = ec();
        const cert = leafCert(`oci-${tag}`, leaf.privateKey, subject, 'ca');
        const sig = crypto.sign('sha256', payload, leaf.privateKey).toString('base64');
        const rekor = logEntry({
          apiVersion: '0.0.1',
          kind: 'hashedrekord',
          spec: {
            data: { hash: { algorithm: 'sha256', value: crypto.createHash('sha256').update(payload).digest('hex') } },
            signature: { content: sig, publicKey: { content: Buffer.from(cert).toString('base64') } },
          },
        });
        const annotations = {
          [COSIGN_SIGNATURE_ANNOTATION]: sig,
          [COSIGN_CERTIFICATE_ANNOTATION]: cert,
          [COSIGN_CHAIN_ANNOTATION]: fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8'),
          [COSIGN_BUNDLE_ANNOTATION]: JSON.stringify(rekor),
        };
        fake.image('keyless', `${digest.replace(':', '-')}.sig`, [payload], {
          manifest: m => ({ ...m, layers: [{ ...m.layers[0], mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations }] }),
        });
        return `oci://${fake.host}/keyless:${tag}!${plugin}`;
      };
      const install = async (ref: string) => {
        const ws = fs.mkdtempSync(path.join(dir, 'oci-ws-'));
        fs.writeFileSync(path.join(ws, 'trusted_root.json'), JSON.stringify(trustedRoot(caDer)));
        fs.writeFileSync(
          path.join(ws, 'dynamic-plugins.yaml'),
          `trust:\n  mode: enforce\n  trustedRoot: trusted_root.json\n  identities:\n    acme-ci:\n      issuer: ${ISSUER}\n      subject: ^https://github\\.com/acme/plugins/\n` +
            `  trustedIdentities: [acme-ci]\nplugins:\n  - package: ${ref}\n`,
        );
        const root = path.join(ws, 'root');
        const outcome = await installPlugins({ configFile: path.join(ws, 'dynamic-plugins.yaml'), root, env: { REGISTRY_AUTH_FILE: path.join(ws, 'none.json') }, network: { retries: 0, timeoutMs: 5_000 } });
        return { outcome, state: await readState(root) };
      };

      const good = await install(sign('good', 'plugin-k', ACME_WORKFLOW));
      expect(good.outcome.plugins[0].error).toBeUndefined();
      expect(Object.values(good.state!.plugins)[0].trust).toEqual({ status: 'verified', mode: 'enforce', method: 'cosign', by: 'identity acme-ci' });

      const evil = await install(sign('evil', 'plugin-e', 'https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main'));
      expect(evil.outcome.plugins[0].error?.code).toBe('TRUST_INVALID');
      expect(evil.outcome.plugins[0].error?.message).toContain(
        `expected a keyless signature by identity acme-ci; found a keyless signature that is signed by https://github.com/evil/fork/.github/workflows/release.yml@refs/heads/main (issuer ${ISSUER}), not a trusted identity`,
      );
    } finally {
      await fake.close();
    }
  });
});
