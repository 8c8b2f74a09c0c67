import { InstallError } from '../errors';
import { checkFile, createHashChecker, forSubject, hashOf, hashOfFile, isAlgorithm, parses, quote, type HashChecker, type HashKind } from './hash';

/**
 * Subresource Integrity (SRI) strings as npm writes them: `sha512-<base64>`,
 * optionally several whitespace-separated hashes.
 *
 * Rules (those of the SRI spec and of npm's `ssri`, made strict):
 * - every token must look like `<algorithm>-<base64>[?options]`, or the whole
 *   value is refused (`INVALID_INTEGRITY`);
 * - tokens of algorithms other than sha512, sha384 and sha256 (e.g. `sha1`)
 *   are ignored, but at least one supported hash must remain;
 * - a supported hash must decode to exactly the algorithm's digest length;
 * - the data is hashed with every supported algorithm present and matches
 *   when it equals any of the hashes (so a sha256 or sha384 pin works against
 *   a registry that publishes sha512).
 */

export type IntegrityAlgorithm = 'sha512' | 'sha384' | 'sha256';

/** Strongest first. */
export const INTEGRITY_ALGORITHMS: readonly IntegrityAlgorithm[] = ['sha512', 'sha384', 'sha256'];

const DIGEST_BYTES: Record<IntegrityAlgorithm, number> = { sha512: 64, sha384: 48, sha256: 32 };

const INTEGRITY: HashKind<IntegrityAlgorithm> = {
  noun: 'integrity',
  algorithms: INTEGRITY_ALGORITHMS,
  listSeparator: ', ',
  unsupportedCode: 'INVALID_INTEGRITY',
  separator: '-',
  encoding: 'base64',
  checkerName: 'IntegrityChecker',
};

/** `<algorithm>-<base64>` followed by optional `?options`. */
const TOKEN_RE = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?[\x21-\x7e]*)?$/;

/** One hash of an SRI string. */
export interface IntegrityHash {
  algorithm: IntegrityAlgorithm;
  /** The digest, standard base64 with padding. */
  digest: string;
  /** `<algorithm>-<digest>`, without options. */
  sri: string;
}

/** Options shared by the checks: what is being checked, named in error messages. */
export interface IntegrityOptions {
  /** E.g. the package spec or the tarball; named in error messages. */
  subject?: string;
}

/**
 * Parses an SRI string, returning its supported hashes (strongest algorithm
 * first). Throws `InstallError` `INVALID_INTEGRITY` naming the value.
 */
export function parseIntegrity(sri: string, options: IntegrityOptions = {}): IntegrityHash[] {
  const invalid = (reason: string): never => {
    throw new InstallError(
      `Invalid integrity ${quote(String(sri))}${forSubject(options.subject)}: ${reason}`,
      'INVALID_INTEGRITY',
    );
  };
  if (typeof sri !== 'string' || sri.trim() === '') {
    return invalid('expected one or more hashes like sha512-<base64>');
  }
  const hashes: IntegrityHash[] = [];
  const unsupported: string[] = [];
  for (const token of sri.trim().split(/\s+/)) {
    const match = TOKEN_RE.exec(token);
    if (!match) {
      return invalid(`${quote(token)} is not of the form <algorithm>-<base64>`);
    }
    const [, algorithm, base64] = match;
    if (!isAlgorithm(INTEGRITY, algorithm)) {
      unsupported.push(algorithm);
      continue;
    }
    const bytes = Buffer.from(base64, 'base64');
    const canonical = bytes.toString('base64');
    if (bytes.length !== DIGEST_BYTES[algorithm] || canonical.replace(/=+$/, '') !== base64.replace(/=+$/, '')) {
      return invalid(`the ${algorithm} hash must be ${DIGEST_BYTES[algorithm]} bytes of base64`);
    }
    hashes.push({ algorithm, digest: canonical, sri: `${algorithm}-${canonical}` });
  }
  if (hashes.length === 0) {
    return invalid(
      `no supported hash (found ${[...new Set(unsupported)].join(', ')}; use ${INTEGRITY_ALGORITHMS.join(', ')})`,
    );
  }
  return hashes.sort((a, b) => INTEGRITY_ALGORITHMS.indexOf(a.algorithm) - INTEGRITY_ALGORITHMS.indexOf(b.algorithm));
}

/** Whether `value` is an SRI string `parseIntegrity` accepts. */
export function isValidIntegrity(value: unknown): value is string {
  return parses(parseIntegrity, value);
}

/**
 * Checks bytes against an SRI string while they stream by, hashing them with
 * every algorithm it lists. `algorithm` is the strongest one in the SRI
 * string; `digest()` gives the SRI hash (`<algorithm>-<base64>`) of that
 * algorithm of everything fed; `verify()` returns the hash
 * that matched, or throws `InstallError` `INTEGRITY_MISMATCH` with the
 * expected and actual hashes.
 */
export type IntegrityChecker = HashChecker<IntegrityAlgorithm, string>;

/**
 * A checker for `sri` (parsed up front: a malformed value throws
 * `INVALID_INTEGRITY` before any byte is read).
 */
export function createIntegrityChecker(sri: string, options: IntegrityOptions = {}): IntegrityChecker {
  const hashes = parseIntegrity(sri, options);
  // Every algorithm the value lists is computed (strongest first); a match
  // on any of its hashes accepts the bytes.
  const algorithms = [...new Set(hashes.map(hash => hash.algorithm))];
  const checkers = algorithms.map(algorithm => createHashChecker(INTEGRITY, algorithm, got => got));
  return {
    algorithm: algorithms[0],
    update(chunk) {
      for (const checker of checkers) checker.update(chunk);
      return this;
    },
    digest: () => checkers[0].digest(),
    verify() {
      const got = checkers.map(checker => checker.digest());
      const match = hashes.find(hash => got.includes(hash.sri));
      if (match) return match.sri;
      throw new InstallError(
        `Integrity mismatch${forSubject(options.subject)}: expected ${hashes.map(e => e.sri).join(' or ')}, got ${got.join(' ')}`,
        'INTEGRITY_MISMATCH',
      );
    },
  };
}

/** Checks the bytes of `data` against `sri`; returns the matching hash. */
export function verifyIntegrity(data: Uint8Array | string, sri: string, options: IntegrityOptions = {}): string {
  return createIntegrityChecker(sri, options).update(data).verify();
}

/**
 * Checks a file against `sri` (streamed, not read into memory); returns the
 * matching hash. The subject defaults to the file's path.
 */
export async function verifyFileIntegrity(file: string, sri: string, options: IntegrityOptions = {}): Promise<string> {
  const subject = options.subject ?? file;
  return checkFile(INTEGRITY, file, createIntegrityChecker(sri, { subject }), subject);
}

/** The SRI hash (`<algorithm>-<base64>`) of some bytes. */
export function integrityOf(data: Uint8Array | string, algorithm: IntegrityAlgorithm = 'sha512'): string {
  return hashOf(INTEGRITY, data, algorithm);
}

/** The SRI hash (`<algorithm>-<base64>`) of a file, streamed. */
export async function computeIntegrity(file: string, algorithm: IntegrityAlgorithm = 'sha512'): Promise<string> {
  return hashOfFile(INTEGRITY, file, algorithm);
}
