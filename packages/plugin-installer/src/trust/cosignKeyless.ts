import crypto from 'node:crypto';
import type { EffectiveTrust } from './select';

/*
 * cosign's keyless signatures in the `.sig` layout: besides the signature,
 * the layer's annotations hold the Fulcio certificate, its chain and the
 * Rekor entry (`dev.sigstore.cosign/bundle`: the signed entry timestamp and
 * the `hashedrekord` entry). They are turned into a Sigstore bundle (v0.1, a
 * message signature over the payload) and verified with @sigstore/verify
 * against the policy's trusted root and identities, as npm provenance is.
 */

export const COSIGN_CERTIFICATE_ANNOTATION = 'dev.sigstore.cosign/certificate';
export const COSIGN_CHAIN_ANNOTATION = 'dev.sigstore.cosign/chain';
export const COSIGN_BUNDLE_ANNOTATION = 'dev.sigstore.cosign/bundle';

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The DER certificates of PEM text, in order. */
function certificates(pem: string | undefined): Buffer[] {
  return (pem?.match(PEM_RE) ?? []).map(block => new crypto.X509Certificate(block).raw);
}

/**
 * The Sigstore bundle a keyless cosign signature layer stands for, or
 * undefined when the layer carries no certificate (a keyed signature).
 */
export function keylessBundle(annotations: Record<string, string>, signature: string, payload: Buffer): unknown {
  const certs = [...certificates(annotations[COSIGN_CERTIFICATE_ANNOTATION]), ...certificates(annotations[COSIGN_CHAIN_ANNOTATION])];
  if (certs.length === 0) return undefined;
  let rekor: any;
  try {
    rekor = JSON.parse(annotations[COSIGN_BUNDLE_ANNOTATION] ?? 'null');
  } catch {
    rekor = null;
  }
  const entry = rekor?.Payload;
  const body = typeof entry?.body === 'string' ? JSON.parse(Buffer.from(entry.body, 'base64').toString('utf8')) : undefined;
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: {
      x509CertificateChain: { certificates: certs.map(der => ({ rawBytes: der.toString('base64') })) },
      tlogEntries: entry
        ? [
            {
              logIndex: String(entry.logIndex),
              logId: { keyId: Buffer.from(String(entry.logID), 'hex').toString('base64') },
              kindVersion: { kind: String(body?.kind ?? 'hashedrekord'), version: String(body?.apiVersion ?? '0.0.1') },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: String(rekor.SignedEntryTimestamp) },
              canonicalizedBody: entry.body,
            },
          ]
        : [],
    },
    messageSignature: {
      messageDigest: { algorithm: 'SHA2_256', digest: crypto.createHash('sha256').update(payload).digest('base64') },
      signature,
    },
  };
}

/** Verifies a keyless layer: who (`identity <name>`) signed `payload`, or throws the reason. */
export async function verifyKeyless(bundle: unknown, payload: Buffer, trust: EffectiveTrust): Promise<string> {
  const { verifySigstoreBundle } = await import('./sigstore');
  return (await verifySigstoreBundle(bundle, trust, payload)).by;
}
