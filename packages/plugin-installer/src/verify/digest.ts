import { InstallError } from '../errors';
import { checkFile, createHashChecker, forSubject, hashOf, hashOfFile, isAlgorithm, parses, quote, type HashChecker, type HashKind } from './hash';

/**
 * OCI content digests, `<algorithm>:<encoded>`
 * (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests).
 *
 * sha256 (what registries use) and sha512 can be verified; any other
 * well-formed algorithm (e.g. blake3) is refused with
 * `UNSUPPORTED_DIGEST_ALGORITHM`, anything else with `INVALID_DIGEST`.
 * Hex must be lowercase, as the spec requires.
 */

export type DigestAlgorithm = 'sha256' | 'sha512';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };

const DIGEST: HashKind<DigestAlgorithm> = {
  noun: 'digest',
  algorithms: DIGEST_ALGORITHMS,
  listSeparator: ' or ',
  unsupportedCode: 'UNSUPPORTED_DIGEST_ALGORITHM',
  separator: ':',
  encoding: 'hex',
  checkerName: 'DigestChecker',
};

/** The digest grammar of the OCI image spec. */
const GRAMMAR_RE = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

export interface ParsedDigest {
  algorithm: DigestAlgorithm;
  /** Lowercase hex. */
  hex: string;
  /** `<algorithm>:<hex>`. */
  digest: string;
}

export interface DigestOptions {
  /** What the digest is of (e.g. `layer of oci://…`); named in error messages. */
  subject?: string;
}

/** Parses a verifiable digest; throws `INVALID_DIGEST` or `UNSUPPORTED_DIGEST_ALGORITHM`. */
export function parseDigest(digest: string, options: DigestOptions = {}): ParsedDigest {
  const value = typeof digest === 'string' ? digest : String(digest);
  const match = GRAMMAR_RE.exec(value);
  if (!match) {
    throw new InstallError(
      `Invalid digest ${quote(value)}${forSubject(options.subject)}: expected <algorithm>:<hex>, e.g. sha256:<64 hex digits>`,
      'INVALID_DIGEST',
    );
  }
  const [, algorithm, hex] = match;
  if (!isAlgorithm(DIGEST, algorithm)) {
    throw new InstallError(
      `Unsupported digest algorithm '${algorithm}' in ${quote(value)}${forSubject(options.subject)} (use ${DIGEST_ALGORITHMS.join(' or ')})`,
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  }
  if (hex.length !== HEX_LENGTH[algorithm] || !/^[a-f0-9]+$/.test(hex)) {
    throw new InstallError(
      `Invalid digest ${quote(value)}${forSubject(options.subject)}: ${algorithm} needs ${HEX_LENGTH[algorithm]} lowercase hex digits`,
      'INVALID_DIGEST',
    );
  }
  return { algorithm, hex, digest: value };
}

/** Whether `value` is a digest `parseDigest` accepts. */
export function isVerifiableDigest(value: unknown): value is string {
  return parses(parseDigest, value);
}

/** `<algorithm>:<hex>` of some bytes (sha256 unless told). */
export function computeDigest(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  return hashOf(DIGEST, data, algorithm);
}

/** `<algorithm>:<hex>` of a file, streamed (sha256 unless told). */
export async function computeFileDigest(file: string, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
  return hashOfFile(DIGEST, file, algorithm);
}

/**
 * Checks bytes against a digest while they stream by: `digest()` gives
 * `<algorithm>:<hex>` of everything fed, `verify()` throws `DIGEST_MISMATCH`
 * naming both digests.
 */
export type DigestChecker = HashChecker<DigestAlgorithm, void>;

/** A checker for `expected` (parsed up front, so a bad digest fails before any byte is read). */
export function createDigestChecker(expected: string, options: DigestOptions = {}): DigestChecker {
  const parsed = parseDigest(expected, options);
  return createHashChecker(DIGEST, parsed.algorithm, got => {
    if (got !== parsed.digest) {
      throw new InstallError(
        `Digest mismatch${forSubject(options.subject)}: expected ${parsed.digest}, got ${got}`,
        'DIGEST_MISMATCH',
      );
    }
  });
}

/** Checks bytes against a digest; throws `DIGEST_MISMATCH`. */
export function verifyDigest(data: Uint8Array | string, expected: string, options: DigestOptions = {}): void {
  createDigestChecker(expected, options).update(data).verify();
}

/** Checks a file against a digest (streamed); the subject defaults to the file's path. */
export async function verifyFileDigest(file: string, expected: string, options: DigestOptions = {}): Promise<void> {
  const subject = options.subject ?? file;
  return checkFile(DIGEST, file, createDigestChecker(expected, { subject }), subject);
}
