import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import { InstallError } from '../errors';
import type { OciReference } from '../oci/reference';
import { COSIGN_SIGNATURE_ANNOTATION, SIMPLE_SIGNING_MEDIA_TYPE, signatureTag, simpleSigningPayload } from './cosign';
import { signedMessage } from './npmSignatures';
import { describeKey } from './policy';

/*
 * The signing side, so an organisation can run its own trusted catalog end
 * to end: `devportal plugin publish --sign <key>` signs npm versions the way
 * an npm registry does (ECDSA over `<name>@<version>:<integrity>`, published
 * in `dist.signatures` by a registry that keeps them) and OCI images the way
 * `cosign sign --key` does (the `sha256-<hex>.sig` tag layout).
 */

/** A private key from a PEM file (PKCS#8 or SEC1), with its public half's npm key id. */
export async function readSigningKey(file: string): Promise<{ key: crypto.KeyObject; keyid: string; publicPem: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new InstallError(`${file}: cannot read the signing key (${(error as NodeJS.ErrnoException).code})`, 'SIGNING_KEY_UNREADABLE');
  }
  return signingKeyFrom(text, file);
}

export function signingKeyFrom(pem: string, what = 'the signing key'): { key: crypto.KeyObject; keyid: string; publicPem: string } {
  let key: crypto.KeyObject;
  try {
    key = crypto.createPrivateKey(pem);
  } catch (error) {
    throw new InstallError(`${what}: not a PEM private key (${(error as Error).message.split('\n')[0]})`, 'SIGNING_KEY_INVALID');
  }
  const { pem: publicPem, keyid } = describeKey(crypto.createPublicKey(key));
  return { key, keyid, publicPem };
}

/** An npm registry-style signature of a version: `{ keyid, sig }` for `dist.signatures`. */
export function signNpmVersion(key: crypto.KeyObject, name: string, version: string, integrity: string): { keyid: string; sig: string } {
  const { keyid } = describeKey(crypto.createPublicKey(key));
  const sig = crypto.sign('sha256', Buffer.from(signedMessage(name, version, integrity)), key).toString('base64');
  return { keyid, sig };
}

/** A cosign signature layer for `digest` of `image` (`host/repo`): the payload and its signature. */
export function cosignLayer(key: crypto.KeyObject, image: string, digest: string) {
  const payload = simpleSigningPayload(image, digest);
  return {
    data: payload,
    mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
    annotations: { [COSIGN_SIGNATURE_ANNOTATION]: crypto.sign('sha256', payload, key).toString('base64') },
  };
}

/**
 * Pushes the cosign signature of `digest` to `ref`'s repository as
 * `sha256-<hex>.sig` (replacing earlier signatures of that digest: one
 * signer per catalog); returns the signature manifest's digest.
 */
export async function signOciImage(
  ref: OciReference,
  digest: string,
  key: crypto.KeyObject,
  options: import('../publish/push').PushOptions = {},
): Promise<string> {
  const { pushImage } = await import('../publish/push');
  const sigRef: OciReference = { registry: ref.registry, repository: ref.repository, tag: signatureTag(digest) };
  return pushImage(sigRef, { ...options, layers: [cosignLayer(key, `${ref.registry}/${ref.repository}`, digest)] });
}
