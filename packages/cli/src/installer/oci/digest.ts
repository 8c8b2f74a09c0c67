import crypto from 'node:crypto';
import { InstallError } from '../errors';
import { DIGEST_RE } from './reference';

/** `<algorithm>:<hex>` with an algorithm this code can verify. */
const VERIFIABLE_DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Whether `value` is a well-formed digest (sha256, sha512 or blake3). */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/**
 * Checks that a digest read from a manifest or a reference is one we can
 * verify before it is used in a URL or trusted; throws `InstallError`.
 */
export function assertVerifiableDigest(digest: unknown, where: string): asserts digest is string {
  if (typeof digest === 'string' && VERIFIABLE_DIGEST_RE.test(digest)) return;
  if (isDigest(digest)) {
    throw new InstallError(
      `${where}: digest algorithm '${digest.split(':')[0]}' is not supported (use sha256 or sha512)`,
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  }
  throw new InstallError(`${where}: '${String(digest).slice(0, 140)}' is not a valid digest`, 'MANIFEST_INVALID');
}

/** Node's hash name for a digest's algorithm. */
export function hashAlgorithm(digest: string): 'sha256' | 'sha512' {
  return digest.startsWith('sha512:') ? 'sha512' : 'sha256';
}

/** The digest of `data` (`sha256:<hex>` unless told). */
export function digestOf(data: Uint8Array, algorithm: 'sha256' | 'sha512' = 'sha256'): string {
  return `${algorithm}:${crypto.createHash(algorithm).update(data).digest('hex')}`;
}
