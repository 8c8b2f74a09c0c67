import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InstallError } from '../errors';

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
  if (!isDigestAlgorithm(algorithm)) {
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
  if (typeof value !== 'string') return false;
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}

/** `<algorithm>:<hex>` of some bytes (sha256 unless told). */
export function computeDigest(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): string {
  assertAlgorithm(algorithm);
  return `${algorithm}:${crypto.createHash(algorithm).update(data).digest('hex')}`;
}

/** `<algorithm>:<hex>` of a file, streamed (sha256 unless told). */
export async function computeFileDigest(file: string, algorithm: DigestAlgorithm = 'sha256'): Promise<string> {
  assertAlgorithm(algorithm);
  const hash = crypto.createHash(algorithm);
  await hashFile(file, chunk => hash.update(chunk), file);
  return `${algorithm}:${hash.digest('hex')}`;
}

/** Checks bytes against a digest while they stream by. */
export interface DigestChecker {
  readonly algorithm: DigestAlgorithm;
  update(chunk: Uint8Array | string): this;
  /** `<algorithm>:<hex>` of everything fed; ends the feeding. */
  digest(): string;
  /** Ends the feeding; throws `DIGEST_MISMATCH` naming both digests. */
  verify(): void;
}

/** A checker for `expected` (parsed up front, so a bad digest fails before any byte is read). */
export function createDigestChecker(expected: string, options: DigestOptions = {}): DigestChecker {
  const parsed = parseDigest(expected, options);
  const hash = crypto.createHash(parsed.algorithm);
  let actual: string | undefined;
  const digest = () => {
    actual ??= `${parsed.algorithm}:${hash.digest('hex')}`;
    return actual;
  };
  return {
    algorithm: parsed.algorithm,
    update(chunk) {
      if (actual !== undefined) throw new Error('DigestChecker: update() after digest()');
      hash.update(chunk);
      return this;
    },
    digest,
    verify() {
      const got = digest();
      if (got !== parsed.digest) {
        throw new InstallError(
          `Digest mismatch${forSubject(options.subject)}: expected ${parsed.digest}, got ${got}`,
          'DIGEST_MISMATCH',
        );
      }
    },
  };
}

/** Checks bytes against a digest; throws `DIGEST_MISMATCH`. */
export function verifyDigest(data: Uint8Array | string, expected: string, options: DigestOptions = {}): void {
  createDigestChecker(expected, options).update(data).verify();
}

/** Checks a file against a digest (streamed); the subject defaults to the file's path. */
export async function verifyFileDigest(file: string, expected: string, options: DigestOptions = {}): Promise<void> {
  const subject = options.subject ?? file;
  const checker = createDigestChecker(expected, { subject });
  await hashFile(file, chunk => checker.update(chunk), subject);
  checker.verify();
}

function isDigestAlgorithm(value: string): value is DigestAlgorithm {
  return (DIGEST_ALGORITHMS as readonly string[]).includes(value);
}

function assertAlgorithm(algorithm: string) {
  if (!isDigestAlgorithm(algorithm)) {
    throw new InstallError(
      `Unsupported digest algorithm ${quote(String(algorithm))} (use ${DIGEST_ALGORITHMS.join(' or ')})`,
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  }
}

async function hashFile(file: string, onChunk: (chunk: Buffer) => void, subject: string): Promise<void> {
  try {
    for await (const chunk of createReadStream(file)) {
      onChunk(chunk as Buffer);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new InstallError(
      `Cannot read ${subject} to check its digest: ${e.code ?? e.message.split('\n')[0]}`,
      e.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'READ_FAILED',
    );
  }
}

function forSubject(subject: string | undefined) {
  return subject ? ` for ${subject}` : '';
}

function quote(value: string): string {
  const short = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(short).replace(/[\u0080-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
