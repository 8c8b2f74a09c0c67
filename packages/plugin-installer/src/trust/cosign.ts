import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { InstallError } from '../errors';
import type { OciClient } from '../oci/client';
import type { OciReference } from '../oci/reference';
import { verifyEcdsa } from './npmSignatures';
import type { TrustedKey } from './policy';
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
 */

export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';
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
  trustedKeys: TrustedKey[];
  downloads: () => Promise<string>;
}): Promise<Finding> {
  const method = 'cosign';
  const sigRef: OciReference = { registry: input.ref.registry, repository: input.ref.repository, tag: signatureTag(input.digest) };
  let manifest;
  try {
    manifest = await input.client.getManifest(sigRef);
  } catch (error) {
    if (error instanceof InstallError && error.code === 'OCI_NOT_FOUND') {
      return { status: 'unsigned', method, detail: `no signature (no ${sigRef.tag} in ${input.ref.registry}/${input.ref.repository})` };
    }
    throw error;
  }
  const layers = manifest.layers.filter(l => l.annotations?.[COSIGN_SIGNATURE_ANNOTATION]).slice(0, MAX_SIGNATURES);
  if (layers.length === 0) return { status: 'unsigned', method, detail: `no signature in ${sigRef.tag}` };
  const problems: string[] = [];
  for (const layer of layers) {
    const payload = await readBlob(input, sigRef, layer.digest, layer.size);
    const signature = layer.annotations![COSIGN_SIGNATURE_ANNOTATION];
    const signer = input.trustedKeys.find(key => verifyEcdsa(key.pem, payload, signature));
    if (!signer) {
      problems.push('a signature by no trusted key');
      continue;
    }
    const covers = signedDigest(payload);
    if (covers !== input.digest) {
      problems.push(`a signature by key ${signer.name} for ${covers ?? 'no image digest'}, not for the pulled ${input.digest}`);
      continue;
    }
    return { status: 'verified', method, by: `key ${signer.name}` };
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
