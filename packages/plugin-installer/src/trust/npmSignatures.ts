import crypto from 'node:crypto';
import type { TrustedKey } from './policy';
import type { Finding } from './verdict';

/*
 * npm registry signatures: the registry signs `<name>@<version>:<integrity>`
 * with ECDSA P-256 / SHA-256 and lists the signatures in the version's
 * `dist.signatures` (`{ keyid, sig }`, sig base64 DER); its public keys are
 * at `/-/npm/v1/keys` (`{ keys: [{ keyid, key, keytype, scheme, expires }] }`,
 * key base64 SPKI DER). A signature verifies what the registry says the
 * package is; the installer then pins that integrity, so the bytes extracted
 * are the bytes signed.
 */

export interface RegistrySignature {
  keyid: string;
  sig: string;
}

/** A key the registry publishes, with its expiry (null: none). */
export interface RegistryKey {
  keyid: string;
  pem: string;
  expires: string | null;
}

/** `dist.signatures` from untrusted JSON: only well-formed entries. */
export function readSignatures(value: unknown): RegistrySignature[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (s): s is RegistrySignature => !!s && typeof s === 'object' && typeof s.keyid === 'string' && typeof s.sig === 'string',
  );
}

/** The body of `/-/npm/v1/keys`, from untrusted JSON: keys that parse as public keys. */
export function readRegistryKeys(body: unknown): RegistryKey[] {
  const keys = (body as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) return [];
  const out: RegistryKey[] = [];
  for (const k of keys) {
    if (!k || typeof k.keyid !== 'string' || typeof k.key !== 'string') continue;
    try {
      const key = crypto.createPublicKey({ key: Buffer.from(k.key, 'base64'), format: 'der', type: 'spki' });
      out.push({ keyid: k.keyid, pem: key.export({ format: 'pem', type: 'spki' }).toString(), expires: typeof k.expires === 'string' ? k.expires : null });
    } catch {
      // a key we cannot read trusts nothing
    }
  }
  return out;
}

/** npm's stand-in publish time when a registry does not say (pacote's MISSING_TIME_CUTOFF). */
const MISSING_TIME_CUTOFF = '2015-01-01T00:00:00.000Z';

/** The message npm signs for a package version. */
export const signedMessage = (name: string, version: string, integrity: string) => `${name}@${version}:${integrity}`;

export function verifyEcdsa(pem: string, message: string | Buffer, signatureBase64: string): boolean {
  try {
    return crypto.verify('sha256', Buffer.from(message), pem, Buffer.from(signatureBase64, 'base64'));
  } catch {
    return false;
  }
}

/**
 * Checks a version's registry signatures against the trusted keys (config
 * keys by their npm key id, and the registry's own keys when the policy
 * trusts them). One valid signature by a trusted key verifies; a signature
 * by a key nobody trusts, or one that does not verify, is `invalid`.
 */
export function checkRegistrySignatures(input: {
  name: string;
  version: string;
  integrity: string;
  signatures: RegistrySignature[];
  trustedKeys: TrustedKey[];
  /** The registry's keys when the policy trusts them, else undefined. */
  registryKeys?: RegistryKey[];
  registry: string;
  /**
   * When the version was published (the packument's `time`): a registry key
   * is valid for what was signed before it expired, as npm has it. Unknown
   * times count as 2015, as in npm, so a rotated key's old signatures stay valid.
   */
  publishedAt?: string;
}): Finding {
  const message = signedMessage(input.name, input.version, input.integrity);
  if (input.signatures.length === 0) return { status: 'unsigned', method: 'npm-registry-signature', detail: 'no registry signature' };
  const problems: string[] = [];
  for (const signature of input.signatures) {
    const configured = input.trustedKeys.find(k => k.keyid === signature.keyid);
    const published = input.registryKeys?.find(k => k.keyid === signature.keyid);
    if (!configured && !published) {
      problems.push(`a signature by key ${signature.keyid}, which the policy does not trust`);
      continue;
    }
    const signedAt = Date.parse(input.publishedAt ?? MISSING_TIME_CUTOFF);
    if (published && !configured && published.expires && Date.parse(published.expires) <= signedAt) {
      problems.push(`a signature by registry key ${signature.keyid}, which expired ${published.expires}, before the version was published`);
      continue;
    }
    if (!verifyEcdsa((configured ?? published)!.pem, message, signature.sig)) {
      problems.push(`a signature by key ${signature.keyid} that does not verify for ${message}`);
      continue;
    }
    return {
      status: 'verified',
      method: 'npm-registry-signature',
      by: configured ? `key ${configured.name}` : `registry key ${signature.keyid} of ${input.registry}`,
    };
  }
  return { status: 'invalid', method: 'npm-registry-signature', detail: problems.join('; ') };
}
