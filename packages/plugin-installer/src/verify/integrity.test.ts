import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import {
  computeIntegrity,
  createIntegrityChecker,
  integrityOf,
  isValidIntegrity,
  parseIntegrity,
  verifyFileIntegrity,
  verifyIntegrity,
  type IntegrityAlgorithm,
} from './integrity';

/** The FIPS 180 test vectors for "abc", as SRI hashes. */
const ABC: Record<IntegrityAlgorithm, string> = {
  sha256: 'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=',
  sha384: 'sha384-ywB1P0WjXou1oD1pmsZQBycsMqsO3tFjGotgWkP/W+2AhgcroefMI1i67KE0yCWn',
  sha512: 'sha512-3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==',
};
const OTHER: Record<IntegrityAlgorithm, string> = {
  sha256: integrityOf('other', 'sha256'),
  sha384: integrityOf('other', 'sha384'),
  sha512: integrityOf('other', 'sha512'),
};
const ALGORITHMS: IntegrityAlgorithm[] = ['sha512', 'sha384', 'sha256'];

let dir: string;
let abcFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-integrity-'));
  abcFile = path.join(dir, 'abc.tgz');
  fs.writeFileSync(abcFile, 'abc');
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function caught(run: () => unknown): InstallError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InstallError);
    return error as InstallError;
  }
  throw new Error('expected an InstallError');
}

async function caughtAsync(promise: Promise<unknown>): Promise<InstallError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  return error as InstallError;
}

describe('parseIntegrity', () => {
  it('parses one hash', () => {
    expect(parseIntegrity(ABC.sha512)).toEqual([
      { algorithm: 'sha512', digest: ABC.sha512.slice('sha512-'.length), sri: ABC.sha512 },
    ]);
  });

  it('parses several space-separated hashes, strongest first, options dropped', () => {
    const hashes = parseIntegrity(`  ${ABC.sha256}\t${ABC.sha512}?foo=bar\n${ABC.sha384} `);
    expect(hashes.map(hash => hash.sri)).toEqual([ABC.sha512, ABC.sha384, ABC.sha256]);
  });

  it('ignores hashes of other algorithms (sha1) when a supported one is there', () => {
    const sha1 = `sha1-${crypto.createHash('sha1').update('abc').digest('base64')}`;
    expect(parseIntegrity(`${sha1} ${ABC.sha256}`).map(hash => hash.algorithm)).toEqual(['sha256']);
  });

  it.each([
    ['an empty value', ''],
    ['blanks', '   '],
    ['no hash', 'sha512'],
    ['an empty hash', 'sha512-'],
    ['bad base64', 'sha512-!!!!'],
    ['a truncated hash', ABC.sha512.slice(0, 40)],
    ['a sha256 hash labelled sha512', `sha512-${ABC.sha256.slice(7)}`],
    ['an upper-case algorithm', ABC.sha512.replace('sha512', 'SHA512')],
    ['a hex digest', 'sha512-ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a'],
    ['only md5', `md5-${crypto.createHash('md5').update('abc').digest('base64')}`],
    ['only sha1', `sha1-${crypto.createHash('sha1').update('abc').digest('base64')}`],
    ['one good and one malformed token', `${ABC.sha512} garbage`],
  ])('refuses %s as INVALID_INTEGRITY naming the value', (_what, value) => {
    const error = caught(() => parseIntegrity(value, { subject: '@acme/plugin@1.0.0' }));
    expect(error.code).toBe('INVALID_INTEGRITY');
    expect(error.message).toContain(JSON.stringify(value.length > 200 ? value.slice(0, 200) : value).slice(1, 30));
    expect(error.message).toContain('@acme/plugin@1.0.0');
    expect(error.message).not.toMatch(/\n/);
  });

  it('says which algorithms are supported when none is', () => {
    const error = caught(() => parseIntegrity(`sha1-${crypto.createHash('sha1').update('abc').digest('base64')}`));
    expect(error.message).toMatch(/found sha1; use sha512, sha384, sha256/);
  });

  it('tells valid from invalid values', () => {
    expect(isValidIntegrity(ABC.sha384)).toBe(true);
    expect(isValidIntegrity('sha384-nope')).toBe(false);
    expect(isValidIntegrity(undefined)).toBe(false);
  });
});

describe('verifyFileIntegrity', () => {
  it.each(ALGORITHMS)('accepts a file matching its %s integrity', async algorithm => {
    await expect(verifyFileIntegrity(abcFile, ABC[algorithm])).resolves.toBe(ABC[algorithm]);
  });

  it.each(ALGORITHMS)('refuses a file not matching its %s integrity, with expected and actual hashes', async algorithm => {
    const error = await caughtAsync(verifyFileIntegrity(abcFile, OTHER[algorithm]));
    expect(error.code).toBe('INTEGRITY_MISMATCH');
    expect(error.message).toBe(`Integrity mismatch for ${abcFile}: expected ${OTHER[algorithm]}, got ${ABC[algorithm]}`);
  });

  it('names the subject instead of the path when given', async () => {
    const error = await caughtAsync(verifyFileIntegrity(abcFile, OTHER.sha512, { subject: '@acme/plugin@1.0.0' }));
    expect(error.message).toMatch(/^Integrity mismatch for @acme\/plugin@1\.0\.0: expected sha512-/);
  });

  it('refuses a malformed integrity before reading the file', async () => {
    const error = await caughtAsync(verifyFileIntegrity(path.join(dir, 'missing'), 'sha512-???'));
    expect(error.code).toBe('INVALID_INTEGRITY');
  });

  it('accepts a match on any algorithm the value lists (SRI), and names every hash computed when none matches', async () => {
    await expect(verifyFileIntegrity(abcFile, `${ABC.sha256} ${OTHER.sha512}`)).resolves.toBe(ABC.sha256);
    await expect(verifyFileIntegrity(abcFile, `${OTHER.sha256} ${ABC.sha512}`)).resolves.toBe(ABC.sha512);
    await expect(verifyFileIntegrity(abcFile, `${OTHER.sha384} ${ABC.sha256}`)).resolves.toBe(ABC.sha256);
    const error = await caughtAsync(verifyFileIntegrity(abcFile, `${OTHER.sha256} ${OTHER.sha512}`));
    expect(error.code).toBe('INTEGRITY_MISMATCH');
    expect(error.message).toContain(`got ${ABC.sha512} ${ABC.sha256}`);
  });

  it('accepts any of several hashes of the strongest algorithm', async () => {
    await expect(verifyFileIntegrity(abcFile, `${OTHER.sha512} ${ABC.sha512}`)).resolves.toBe(ABC.sha512);
    const error = await caughtAsync(verifyFileIntegrity(abcFile, `${OTHER.sha512} ${integrityOf('x')}`));
    expect(error.message).toContain(`expected ${OTHER.sha512} or ${integrityOf('x')}, got ${ABC.sha512}`);
  });

  it('reports a missing file', async () => {
    const error = await caughtAsync(verifyFileIntegrity(path.join(dir, 'missing.tgz'), ABC.sha512));
    expect(error.code).toBe('FILE_NOT_FOUND');
  });
});

describe('computeIntegrity', () => {
  it.each(ALGORITHMS)('computes the %s SRI hash of a file', async algorithm => {
    await expect(computeIntegrity(abcFile, algorithm)).resolves.toBe(ABC[algorithm]);
  });

  it('uses sha512 by default', async () => {
    await expect(computeIntegrity(abcFile)).resolves.toBe(ABC.sha512);
    expect(integrityOf('abc')).toBe(ABC.sha512);
  });

  it('refuses an unsupported algorithm', async () => {
    await expect(computeIntegrity(abcFile, 'sha1' as IntegrityAlgorithm)).rejects.toMatchObject({
      code: 'INVALID_INTEGRITY',
    });
  });
});

describe('createIntegrityChecker', () => {
  it('gives the same result streamed in chunks as the file checker', async () => {
    const data = crypto.randomBytes(3_000_000);
    const file = path.join(dir, 'random.bin');
    fs.writeFileSync(file, data);
    for (const algorithm of ALGORITHMS) {
      const expected = await computeIntegrity(file, algorithm);
      const checker = createIntegrityChecker(expected);
      for (let offset = 0; offset < data.length; ) {
        const size = 1 + crypto.randomInt(100_000);
        checker.update(data.subarray(offset, offset + size));
        offset += size;
      }
      expect(checker.algorithm).toBe(algorithm);
      expect(checker.digest()).toBe(expected);
      expect(checker.verify()).toBe(expected);
      await expect(verifyFileIntegrity(file, expected)).resolves.toBe(expected);
    }
  });

  it('refuses streamed bytes that do not match', () => {
    const checker = createIntegrityChecker(ABC.sha384, { subject: 'layer' });
    checker.update('ab').update('d');
    const error = caught(() => checker.verify());
    expect(error.code).toBe('INTEGRITY_MISMATCH');
    expect(error.message).toBe(`Integrity mismatch for layer: expected ${ABC.sha384}, got ${integrityOf('abd', 'sha384')}`);
  });

  it('refuses a malformed integrity up front', () => {
    expect(caught(() => createIntegrityChecker('sha256-short')).code).toBe('INVALID_INTEGRITY');
  });

  it('cannot be fed after its digest was taken', () => {
    const checker = createIntegrityChecker(ABC.sha256).update('abc');
    checker.digest();
    expect(() => checker.update('more')).toThrow(/after digest/);
  });

  it('checks in-memory bytes too', () => {
    expect(verifyIntegrity(Buffer.from('abc'), ABC.sha256)).toBe(ABC.sha256);
    expect(caught(() => verifyIntegrity('abd', ABC.sha256)).code).toBe('INTEGRITY_MISMATCH');
  });
});
