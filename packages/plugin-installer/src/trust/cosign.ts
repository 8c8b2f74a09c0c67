import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InstallError } from '../errors';
import type { OciClient, OciDescriptor, PulledManifest } from '../oci/client';
import { manifestTooLarge, readCapped } from '../oci/limits';
import type { OciReference } from '../oci/reference';
import { apiRepository } from '../oci/transport';
import { verifyEcdsa } from './npmSignatures';
import type { EffectiveTrust } from './select';
import type { Finding } from './verdict';

/*
 * cosign-compatible image signatures, found the way cosign stores them: a
 * manifest tagged `sha256-<hex>.sig` in the image's repository, one layer per
 * signature. Each layer is a "simple signing" JSON payload whose
 * `critical.image.docker-manifest-digest` names the image it covers, and its
 * annotation `dev.cosignproject.cosign/signature` holds the base64 signature
 * over the payload's bytes. The payload's digest must be the digest the
 * installer pulls (never the tag), so a signature copied to another image, or
 * a tag moved to new bytes, does not verify.
 *
 * Registries with the OCI 1.1 referrers API may hold the signatures as
 * referrers of the image instead (cosign's `oci-1-1` mode: a manifest with
 * the artifact type below and the same layers); they are asked when the tag
 * gives no verified signature, so a signed-by-tag image costs no extra request.
 */

export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
/** The artifact type of a cosign signature stored as an OCI 1.1 referrer. */
export const COSIGN_ARTIFACT_TYPE = 'application/vnd.dev.cosign.artifact.sig.v1+json';
/** A signature payload is a few hundred bytes; this bounds what a registry can make us read. */
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** More signatures than this on one image is not a real signing history. */
const MAX_SIGNATURES = 32;

/** cosign's tag for the signatures of `digest`: `sha256-<hex>.sig`. */
export function signatureTag(digest: string): string {
  return `${digest.replace(':', '-')}.sig`;
}

/** The simple signing payload cosign signs for an image. */
export function simpleSigningPayload(image: string, digest: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: { identity: { 'docker-reference': image }, image: { 'docker-manifest-digest': digest }, type: SIMPLE_SIGNING_TYPE },
      optional: null,
    }),
  );
}

/** The digest a payload says it signs, or undefined when it is not a simple signing payload. */
export function signedDigest(payload: Buffer): string | undefined {
  try {
    const json = JSON.parse(payload.toString('utf8'));
    const digest = json?.critical?.image?.['docker-manifest-digest'];
    return json?.critical?.type === SIMPLE_SIGNING_TYPE && typeof digest === 'string' ? digest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Looks up and checks the cosign signatures of `digest` in `ref`'s
 * repository. `downloads` is a folder for the payload blobs.
 */
export async function checkCosignSignatures(input: {
  client: OciClient;
  ref: OciReference;
  digest: string;
  /** Keys for keyed signatures; identities and the trusted root for keyless ones. */
  trust: EffectiveTrust;
  downloads: () => Promise<string>;
}): Promise<Finding> {
  const method = 'cosign';
  const repo = `${input.ref.registry}/${input.ref.repository}`;
  const tag = signatureTag(input.digest);
  const byTag = await signatureLayers(input, [await manifestAt(input, { registry: input.ref.registry, repository: input.ref.repository, tag })]);
  if (byTag.status === 'verified') return byTag;
  const referrers = await signatureLayers(input, await referrerManifests(input));
  if (referrers.status === 'verified') return referrers;
  if (byTag.status === 'invalid' || referrers.status === 'invalid') {
    return { status: 'invalid', method, detail: [byTag, referrers].filter(f => f.status === 'invalid').map(f => f.detail).join('; ') };
  }
  return { status: 'unsigned', method, detail: `no signature (no ${tag} in ${repo}, no signature referrer)` };
}

type Input = Parameters<typeof checkCosignSignatures>[0];

/** The manifest at `ref`, or undefined when the registry has none. */
async function manifestAt(input: Input, ref: OciReference): Promise<PulledManifest | undefined> {
  try {
    return await input.client.getManifest(ref);
  } catch (error) {
    if (error instanceof InstallError && error.code === 'OCI_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The cosign signature manifests that name the image as their subject, from
 * `GET /v2/<repo>/referrers/<digest>` (an OCI index). A registry without the
 * API answers 404 (or 400/405 from older ones): no referrers.
 */
async function referrerManifests(input: Input): Promise<Array<PulledManifest | undefined>> {
  const { client, ref, digest } = input;
  const what = `signature referrers of ${ref.registry}/${ref.repository}@${digest}`;
  const max = client.limits.maxManifestBytes;
  const index = await client.transport.request(
    ref,
    {
      method: 'GET',
      path: `/v2/${apiRepository(ref)}/referrers/${digest}`,
      headers: { accept: 'application/vnd.oci.image.index.v1+json' },
      actions: 'pull',
      expect: [200, 400, 404, 405],
      what,
    },
    async res => {
      if (res.status !== 200) {
        await res.body?.cancel().catch(() => undefined);
        return undefined;
      }
      try {
        return JSON.parse((await readCapped(res, max, size => manifestTooLarge(what, size, max))).toString('utf8'));
      } catch (error) {
        if (error instanceof InstallError) throw error;
        return undefined; // not JSON: a registry page, not the API
      }
    },
  );
  const descriptors: OciDescriptor[] = Array.isArray(index?.manifests) ? index.manifests : [];
  const signatures = descriptors.filter(d => d?.artifactType === COSIGN_ARTIFACT_TYPE && typeof d.digest === 'string').slice(0, MAX_SIGNATURES);
  const manifests = [];
  // By digest: the client checks each manifest's bytes against it.
  for (const d of signatures) manifests.push(await manifestAt(input, { registry: ref.registry, repository: ref.repository, digest: d.digest }));
  return manifests;
}

/** Checks the signature layers of some signature manifests (undefined: not there). */
async function signatureLayers(input: Input, manifests: Array<PulledManifest | undefined>): Promise<Finding> {
  const method = 'cosign';
  const layers = manifests
    .flatMap(m => (m ? m.layers.map(layer => ({ layer, ref: m })) : []))
    .filter(({ layer }) => layer.annotations?.[COSIGN_SIGNATURE_ANNOTATION])
    .slice(0, MAX_SIGNATURES);
  if (layers.length === 0) return { status: 'unsigned', method };
  const problems: string[] = [];
  const sigRef: OciReference = { registry: input.ref.registry, repository: input.ref.repository };
  for (const { layer } of layers) {
    const payload = await readBlob(input, sigRef, layer.digest, layer.size);
    const signature = layer.annotations![COSIGN_SIGNATURE_ANNOTATION];
    let by: string | undefined = input.trust.keys.find(key => verifyEcdsa(key.pem, payload, signature))?.name;
    if (by) {
      by = `key ${by}`;
    } else {
      // Keyless: a certificate of a trusted identity, chained to the trusted root and logged.
      const { keylessBundle, verifyKeyless } = await import('./cosignKeyless');
      const bundle = keylessBundle(layer.annotations!, signature, payload);
      if (!bundle) {
        problems.push('a signature by no trusted key');
        continue;
      }
      try {
        by = await verifyKeyless(bundle, payload, input.trust);
      } catch (error) {
        problems.push(`a keyless signature that ${(error as Error).message}`);
        continue;
      }
    }
    const covers = signedDigest(payload);
    if (covers !== input.digest) {
      problems.push(`a signature by ${by} for ${covers ?? 'no image digest'}, not for the pulled ${input.digest}`);
      continue;
    }
    return { status: 'verified', method, by };
  }
  return { status: 'invalid', method, detail: [...new Set(problems)].join('; ') };
}

async function readBlob(
  input: { client: OciClient; downloads: () => Promise<string> },
  ref: OciReference,
  digest: string,
  size: number,
): Promise<Buffer> {
  const file = path.join(await input.downloads(), `${crypto.randomUUID()}.sig-payload`);
  try {
    // Held to the declared size and checked against its digest by the client.
    await input.client.fetchBlob(ref, digest, file, { maxBytes: MAX_PAYLOAD_BYTES, expectedSize: size });
    return await fs.readFile(file);
  } finally {
    await fs.rm(file, { force: true });
  }
}
