import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InstallError } from '../errors';

/**
 * What OCI digests (`./digest`, `sha256:<hex>`) and SRI integrity strings
 * (`./integrity`, `sha512-<base64>`) share: hashing bytes and files into
 * their written form, a checker fed chunk by chunk, the streaming of files,
 * and how their messages quote values.
 */

/** How one kind of hash string is written and named in messages. */
export interface HashKind<A extends string> {
  /** `digest` or `integrity`: "Unsupported <noun> algorithm", "to check its <noun>". */
  noun: string;
  /** The algorithms this kind can compute and check. */
  algorithms: readonly A[];
  /** How the algorithms are listed in messages, e.g. ` or `. */
  listSeparator: string;
  /** The code of an algorithm not in `algorithms`. */
  unsupportedCode: string;
  /** Between the algorithm and the encoded hash: `sha256:…`, `sha512-…`. */
  separator: string;
  encoding: 'hex' | 'base64';
  /** Named in the error of an `update()` after `digest()`. */
  checkerName: string;
}

/** Checks bytes against what is expected while they stream by. */
export interface HashChecker<A extends string, R> {
  /** The algorithm that is checked. */
  readonly algorithm: A;
  /** Feeds the next chunk. */
  update(chunk: Uint8Array | string): this;
  /** The hash, as `kind` writes it, of everything fed; ends the feeding. */
  digest(): string;
  /** Ends the feeding and checks: returns the verdict or throws `InstallError`. */
  verify(): R;
}

export function isAlgorithm<A extends string>(kind: HashKind<A>, value: string): value is A {
  return (kind.algorithms as readonly string[]).includes(value);
}

/** Throws `kind.unsupportedCode` for an algorithm `kind` cannot compute. */
export function assertAlgorithm<A extends string>(kind: HashKind<A>, algorithm: string): asserts algorithm is A {
  if (!isAlgorithm(kind, algorithm)) {
    throw new InstallError(
      `Unsupported ${kind.noun} algorithm ${quote(String(algorithm))} (use ${kind.algorithms.join(kind.listSeparator)})`,
      kind.unsupportedCode,
    );
  }
}

/**
 * A checker hashing with `algorithm`; `check` turns the actual hash into the
 * verdict of `verify()`.
 */
export function createHashChecker<A extends string, R>(
  kind: HashKind<A>,
  algorithm: A,
  check: (actual: string) => R,
): HashChecker<A, R> {
  const hash = crypto.createHash(algorithm);
  let actual: string | undefined;
  const digest = () => {
    actual ??= `${algorithm}${kind.separator}${hash.digest(kind.encoding)}`;
    return actual;
  };
  return {
    algorithm,
    update(chunk) {
      if (actual !== undefined) throw new Error(`${kind.checkerName}: update() after digest()`);
      hash.update(chunk);
      return this;
    },
    digest,
    verify: () => check(digest()),
  };
}

/** The hash of some bytes, as `kind` writes it. */
export function hashOf<A extends string>(kind: HashKind<A>, data: Uint8Array | string, algorithm: A): string {
  assertAlgorithm(kind, algorithm);
  return createHashChecker(kind, algorithm, actual => actual)
    .update(data)
    .verify();
}

/** The hash of a file (streamed, not read into memory), as `kind` writes it. */
export async function hashOfFile<A extends string>(kind: HashKind<A>, file: string, algorithm: A): Promise<string> {
  assertAlgorithm(kind, algorithm);
  return checkFile(kind, file, createHashChecker(kind, algorithm, actual => actual), file);
}

/**
 * Streams `file` into `checker` and returns its verdict. A file that cannot
 * be read is `FILE_NOT_FOUND` or `READ_FAILED`, naming `subject`.
 */
export async function checkFile<A extends string, R>(
  kind: HashKind<A>,
  file: string,
  checker: HashChecker<A, R>,
  subject: string,
): Promise<R> {
  try {
    for await (const chunk of createReadStream(file)) {
      checker.update(chunk as Buffer);
    }
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new InstallError(
      `Cannot read ${subject} to check its ${kind.noun}: ${e.code ?? e.message.split('\n')[0]}`,
      e.code === 'ENOENT' ? 'FILE_NOT_FOUND' : 'READ_FAILED',
    );
  }
  return checker.verify();
}

/** Whether `parse` accepts `value` (a string) without throwing. */
export function parses(parse: (value: string) => unknown, value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    parse(value);
    return true;
  } catch {
    return false;
  }
}

/** ` for <subject>` when there is one. */
export function forSubject(subject: string | undefined): string {
  return subject ? ` for ${subject}` : '';
}

/** Quotes a value for a one-line message, shortening very long ones. */
export function quote(value: string): string {
  const short = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(short).replace(/[\u0080-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
