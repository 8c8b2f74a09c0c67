import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { checkPinAgainstPublished, verifyArtifact } from './artifact';

const BYTES = Buffer.from('the bytes of a plugin tarball');
const sri = (alg: string, data: Buffer) => `${alg}-${crypto.createHash(alg).update(data).digest('base64')}`;
const digest = (alg: string, data: Buffer) => `${alg}:${crypto.createHash(alg).update(data).digest('hex')}`;

const dirs: string[] = [];
function tempDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-verify-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function download(data = BYTES) {
  const file = path.join(tempDir(), 'artifact');
  fs.writeFileSync(file, data);
  return file;
}

async function refusal(promise: Promise<unknown>): Promise<InstallError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  return error as InstallError;
}

describe('verifyArtifact', () => {
  describe('npm tarball', () => {
    it('accepts bytes that match the pinned integrity and returns the hash that matched', async () => {
      const file = download();
      const pin = `${sri('sha512', BYTES)} ${sri('sha256', Buffer.from('other'))}`;
      await expect(verifyArtifact({ kind: 'npm-tarball', file, integrity: pin, required: true, subject: 'the tarball' })).resolves.toEqual({
        verified: true,
        hash: sri('sha512', BYTES),
      });
      expect(fs.existsSync(file)).toBe(true);
    });

    it('refuses bytes that do not match, naming both hashes, and deletes the file', async () => {
      const file = download(Buffer.from('tampered'));
      const error = await refusal(
        verifyArtifact({ kind: 'npm-tarball', file, integrity: sri('sha512', BYTES), required: true, subject: 'the tarball' }),
      );
      expect(error.code).toBe('INTEGRITY_MISMATCH');
      expect(error.message).toContain(sri('sha512', BYTES));
      expect(error.message).toContain(sri('sha512', Buffer.from('tampered')));
      expect(fs.existsSync(file)).toBe(false);
    });

    it('refuses a missing pin when one is required, and deletes the file', async () => {
      const file = download();
      const error = await refusal(verifyArtifact({ kind: 'npm-tarball', file, required: true, subject: 'the tarball' }));
      expect(error.code).toBe('INTEGRITY_MISSING');
      expect(fs.existsSync(file)).toBe(false);
    });

    it('lets an allowed missing pin through unverified, with the computed sha512', async () => {
      const file = download();
      await expect(verifyArtifact({ kind: 'npm-tarball', file, required: false, subject: 'the tarball' })).resolves.toEqual({
        verified: false,
        hash: sri('sha512', BYTES),
      });
    });

    it('refuses a pin of an unsupported algorithm only (sha1) as invalid', async () => {
      const file = download();
      const error = await refusal(
        verifyArtifact({ kind: 'npm-tarball', file, integrity: sri('sha1', BYTES), required: true, subject: 'the tarball' }),
      );
      expect(error.code).toBe('INVALID_INTEGRITY');
      expect(error.message).toMatch(/no supported hash \(found sha1/);
      expect(fs.existsSync(file)).toBe(false);
    });
  });

  describe('OCI blob', () => {
    it('accepts a blob that matches its digest', async () => {
      const file = download();
      await expect(verifyArtifact({ kind: 'oci-blob', file, digest: digest('sha256', BYTES), subject: 'layer' })).resolves.toEqual({
        verified: true,
        hash: digest('sha256', BYTES),
      });
    });

    it('refuses a blob that does not match its digest and deletes it', async () => {
      const file = download(Buffer.from('tampered'));
      const error = await refusal(verifyArtifact({ kind: 'oci-blob', file, digest: digest('sha256', BYTES), subject: 'layer' }));
      expect(error.code).toBe('DIGEST_MISMATCH');
      expect(fs.existsSync(file)).toBe(false);
    });

    it('refuses a digest algorithm it cannot compute (blake3)', async () => {
      const file = download();
      const error = await refusal(verifyArtifact({ kind: 'oci-blob', file, digest: `blake3:${'a'.repeat(64)}`, subject: 'layer' }));
      expect(error.code).toBe('UNSUPPORTED_DIGEST_ALGORITHM');
    });
  });

  describe('local folder', () => {
    function folder(files: Record<string, string>) {
      const dir = tempDir();
      for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
      }
      return dir;
    }

    it('records a content hash, unverified (a folder has no pin), equal for equal content', async () => {
      const a = await verifyArtifact({ kind: 'local-folder', dir: folder({ 'package.json': '{}', 'dist/index.js': 'x' }), subject: './a' });
      const b = await verifyArtifact({ kind: 'local-folder', dir: folder({ 'package.json': '{}', 'dist/index.js': 'x' }), subject: './b' });
      expect(a.verified).toBe(false);
      expect(a.hash).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(b.hash).toBe(a.hash);
    });

    it('hashes a changed byte, a renamed file and a link target differently', async () => {
      const hash = async (dir: string) => (await verifyArtifact({ kind: 'local-folder', dir, subject: 'x' })).hash;
      const base = await hash(folder({ 'dist/index.js': 'x' }));
      expect(await hash(folder({ 'dist/index.js': 'y' }))).not.toBe(base);
      expect(await hash(folder({ 'dist/main.js': 'x' }))).not.toBe(base);
      const linked = folder({ 'dist/index.js': 'x' });
      fs.symlinkSync('dist/index.js', path.join(linked, 'link'));
      const other = folder({ 'dist/index.js': 'x' });
      fs.symlinkSync('dist', path.join(other, 'link'));
      expect(await hash(linked)).not.toBe(await hash(other));
    });
  });
});

describe('checkPinAgainstPublished', () => {
  const pin = sri('sha512', BYTES);

  it('accepts a pin the registry also publishes, or a registry that publishes none', () => {
    expect(() => checkPinAgainstPublished(pin, `${sri('sha1', BYTES)} ${pin}`, '@acme/a@1.0.0')).not.toThrow();
    expect(() => checkPinAgainstPublished(pin, undefined, '@acme/a@1.0.0')).not.toThrow();
  });

  it('refuses before any download a pin the registry contradicts', () => {
    expect(() => checkPinAgainstPublished(pin, sri('sha512', Buffer.from('other')), '@acme/a@1.0.0')).toThrow(
      expect.objectContaining({ code: 'INTEGRITY_MISMATCH', message: expect.stringMatching(/^@acme\/a@1\.0\.0: the registry publishes integrity/) }),
    );
  });

  it('leaves a sha256 or sha384 pin to the byte check when the registry publishes only sha512', () => {
    const published = sri('sha512', BYTES);
    expect(() => checkPinAgainstPublished(sri('sha256', BYTES), published, '@acme/a@1.0.0')).not.toThrow();
    expect(() => checkPinAgainstPublished(sri('sha384', Buffer.from('other')), published, '@acme/a@1.0.0')).not.toThrow();
    expect(() => checkPinAgainstPublished(`${sri('sha256', BYTES)} ${sri('sha512', Buffer.from('other'))}`, published, '@acme/a@1.0.0')).not.toThrow();
  });

  it('refuses a malformed pin as invalid, whatever the registry says', () => {
    expect(() => checkPinAgainstPublished('sha512-short', pin, '@acme/a@1.0.0')).toThrow(expect.objectContaining({ code: 'INVALID_INTEGRITY' }));
  });

  it('leaves a registry value it cannot parse to the byte check', () => {
    expect(() => checkPinAgainstPublished(pin, 'garbage', '@acme/a@1.0.0')).not.toThrow();
  });
});
