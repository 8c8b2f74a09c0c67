import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import {
  computeDigest,
  computeFileDigest,
  createDigestChecker,
  isVerifiableDigest,
  parseDigest,
  verifyDigest,
  verifyFileDigest,
  type DigestAlgorithm,
} from './digest';

/** FIPS 180 vectors for "abc". */
const ABC_SHA256 = 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
const ABC_SHA512 =
  'sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f';

let dir: string;
let abcFile: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-digest-'));
  abcFile = path.join(dir, 'blob');
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

describe('parseDigest', () => {
  it('parses sha256 and sha512 digests', () => {
    expect(parseDigest(ABC_SHA256)).toEqual({ algorithm: 'sha256', hex: ABC_SHA256.slice(7), digest: ABC_SHA256 });
    expect(parseDigest(ABC_SHA512).algorithm).toBe('sha512');
  });

  it.each([
    ['an empty value', ''],
    ['no algorithm', ABC_SHA256.slice(7)],
    ['upper-case hex', ABC_SHA256.toUpperCase().replace('SHA256', 'sha256')],
    ['a short sha256', ABC_SHA256.slice(0, 40)],
    ['a sha512 length under sha256', `sha256:${ABC_SHA512.slice(7)}`],
    ['non-hex characters', `sha256:${'z'.repeat(64)}`],
    ['a space', `${ABC_SHA256} `],
  ])('refuses %s as INVALID_DIGEST', (_what, value) => {
    const error = caught(() => parseDigest(value, { subject: 'layer 1 of oci://quay.io/x' }));
    expect(error.code).toBe('INVALID_DIGEST');
    expect(error.message).toContain('layer 1 of oci://quay.io/x');
    expect(error.message).not.toMatch(/\n/);
  });

  it.each([
    ['blake3', `blake3:${'a'.repeat(64)}`],
    ['md5', `md5:${'a'.repeat(32)}`],
    ['a multi-part algorithm', `sha256+b64u:${'a'.repeat(43)}`],
  ])('refuses %s with UNSUPPORTED_DIGEST_ALGORITHM naming it', (_what, value) => {
    const error = caught(() => parseDigest(value));
    expect(error.code).toBe('UNSUPPORTED_DIGEST_ALGORITHM');
    expect(error.message).toContain(`'${value.split(':')[0]}'`);
    expect(error.message).toContain('use sha256 or sha512');
  });

  it('tells verifiable digests from the rest', () => {
    expect(isVerifiableDigest(ABC_SHA512)).toBe(true);
    expect(isVerifiableDigest(`blake3:${'a'.repeat(64)}`)).toBe(false);
    expect(isVerifiableDigest(42)).toBe(false);
  });
});

describe('computeDigest and computeFileDigest', () => {
  it('compute sha256 by default and sha512 when asked', async () => {
    expect(computeDigest('abc')).toBe(ABC_SHA256);
    expect(computeDigest(Buffer.from('abc'), 'sha512')).toBe(ABC_SHA512);
    await expect(computeFileDigest(abcFile)).resolves.toBe(ABC_SHA256);
    await expect(computeFileDigest(abcFile, 'sha512')).resolves.toBe(ABC_SHA512);
  });

  it('refuse an unsupported algorithm', () => {
    expect(caught(() => computeDigest('abc', 'md5' as DigestAlgorithm)).code).toBe('UNSUPPORTED_DIGEST_ALGORITHM');
  });
});

describe('verifyFileDigest', () => {
  it('accepts a blob matching its digest', async () => {
    await expect(verifyFileDigest(abcFile, ABC_SHA256)).resolves.toBeUndefined();
    await expect(verifyFileDigest(abcFile, ABC_SHA512)).resolves.toBeUndefined();
  });

  it('refuses a blob not matching its digest, naming both', async () => {
    const expected = computeDigest('other');
    await expect(verifyFileDigest(abcFile, expected, { subject: 'config blob' })).rejects.toMatchObject({
      code: 'DIGEST_MISMATCH',
      message: `Digest mismatch for config blob: expected ${expected}, got ${ABC_SHA256}`,
    });
  });

  it('refuses an unsupported digest before reading', async () => {
    await expect(verifyFileDigest(path.join(dir, 'missing'), `blake3:${'a'.repeat(64)}`)).rejects.toMatchObject({
      code: 'UNSUPPORTED_DIGEST_ALGORITHM',
    });
  });

  it('reports a missing file', async () => {
    await expect(verifyFileDigest(path.join(dir, 'missing'), ABC_SHA256)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });
});

describe('createDigestChecker', () => {
  it('gives the same result streamed in chunks as the file checker', async () => {
    const data = crypto.randomBytes(2_000_000);
    const file = path.join(dir, 'random');
    fs.writeFileSync(file, data);
    for (const algorithm of ['sha256', 'sha512'] as const) {
      const expected = await computeFileDigest(file, algorithm);
      const checker = createDigestChecker(expected);
      for (let offset = 0; offset < data.length; offset += 65_537) checker.update(data.subarray(offset, offset + 65_537));
      expect(checker.digest()).toBe(expected);
      expect(() => checker.verify()).not.toThrow();
    }
  });

  it('refuses streamed bytes that do not match', () => {
    const checker = createDigestChecker(ABC_SHA256).update('ab').update('d');
    expect(caught(() => checker.verify()).code).toBe('DIGEST_MISMATCH');
    expect(caught(() => verifyDigest('abd', ABC_SHA256)).message).toContain(`got ${computeDigest('abd')}`);
  });
});
