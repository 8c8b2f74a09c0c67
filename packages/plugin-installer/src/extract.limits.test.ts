import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractTarball } from './extract';
import { malicious, npmPackage, tarBuffer, writeArchive, type TarEntry } from '../testing/tarFixtures';
import { archive, dest, exists, expectRefused, root } from '../testing/extractHarness';

jest.setTimeout(60_000);

describe('extractTarball: sizes and counts', () => {
  let bombDir: string;
  let bomb: string;
  let outsideBomb: string;

  beforeAll(async () => {
    bombDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bomb-'));
    bomb = await writeArchive(path.join(bombDir, 'bomb.tgz'), malicious.zeroBomb(200_000_000), { level: 9 });
    outsideBomb = await writeArchive(
      path.join(bombDir, 'outside-bomb.tgz'),
      [{ path: 'other/bomb.bin', body: { zeros: 200_000_000 } }, { path: 'plugin/package.json', body: '{}' }],
      { level: 9 },
    );
  });

  afterAll(() => {
    fs.rmSync(bombDir, { recursive: true, force: true });
  });

  it('is a real bomb: under 1 MB compressed for 200 MB of zeros', () => {
    expect(fs.statSync(bomb).size).toBeLessThan(1_000_000);
  });

  it('refuses an entry whose declared size exceeds the per-file cap, before reading it', async () => {
    const error = await expectRefused(malicious.declaredTooLarge(), 'ENTRY_TOO_LARGE');
    expect(error.message).toContain('"package/huge.bin"');
  });

  it('refuses an entry larger than maxEntryBytes', async () => {
    await expectRefused([{ path: 'package/a.bin', body: 'x'.repeat(2000) }], 'ENTRY_TOO_LARGE', { maxEntryBytes: 1000 });
  });

  it('refuses a gzip bomb by the per-file cap', async () => {
    await expectRefused(bomb, 'ENTRY_TOO_LARGE');
  });

  it('refuses a gzip bomb above maxTotalBytes', async () => {
    const started = Date.now();
    await expectRefused(bomb, 'ARCHIVE_TOO_LARGE', { maxEntryBytes: 500_000_000, maxTotalBytes: 10_000_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('refuses many files of zeros adding up to more than maxTotalBytes', async () => {
    const error = await expectRefused(malicious.manyZeroFiles(40, 5_000_000), 'ARCHIVE_TOO_LARGE', {
      maxTotalBytes: 20_000_000,
      archiveOptions: { level: 1 },
    });
    expect(error.message).toMatch(/20 MB/);
  });

  it('counts decompressed bytes outside the prefix too (maxArchiveBytes)', async () => {
    const started = Date.now();
    await expectRefused(outsideBomb, 'ARCHIVE_TOO_LARGE', { prefix: 'plugin', maxArchiveBytes: 20_000_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('extracts a layer whose other folders are large when the stream cap allows it', async () => {
    const result = await extractTarball(outsideBomb, dest, { prefix: 'plugin', maxTotalBytes: 1_000_000 });
    expect(result).toEqual({ files: 1, bytes: 2 });
  });

  it('refuses more entries than maxEntries', async () => {
    await expectRefused(malicious.tooManyEntries(20), 'TOO_MANY_ENTRIES', { maxEntries: 10 });
  });

  it('accepts exactly maxEntries entries', async () => {
    const entries = malicious.tooManyEntries(8);
    const result = await extractTarball(await archive(entries), dest, { prefix: 'first-component', maxEntries: 10 });
    expect(result.files).toBe(9);
  });

  it('refuses more than 50 000 entries by default, counting entries outside the prefix', async () => {
    const entries: TarEntry[] = [
      { path: 'plugin/package.json', body: '{}' },
      ...Array.from({ length: 50_000 }, (_, i) => ({ path: `other/${i}`, type: 'dir' as const })),
    ];
    const error = await expectRefused(entries, 'TOO_MANY_ENTRIES', { prefix: 'plugin', archiveOptions: { level: 1 } });
    expect(error.message).toContain('more than 50000 entries');
  });

  it('refuses invalid limits', async () => {
    const file = await archive(npmPackage());
    await expect(extractTarball(file, dest, { prefix: 'package', maxEntryBytes: -1 })).rejects.toMatchObject({
      code: 'INVALID_LIMIT',
    });
    expect(exists(dest)).toBe(false);
  });
});

describe('extractTarball: broken archives', () => {
  it('refuses an npm tarball without a top-level folder (EMPTY_ARCHIVE)', async () => {
    await expectRefused(malicious.missingPrefix(), 'EMPTY_ARCHIVE');
  });

  it('refuses an archive with only folders (EMPTY_ARCHIVE)', async () => {
    await expectRefused([{ path: 'package/', type: 'dir' }, { path: 'package/lib/', type: 'dir' }], 'EMPTY_ARCHIVE');
  });

  it('refuses a truncated gzip file', async () => {
    const file = await archive(npmPackage());
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectRefused(file, 'CORRUPT_ARCHIVE');
  });

  it('refuses a truncated tar entry', async () => {
    const file = path.join(root, 'truncated.tar');
    fs.writeFileSync(file, tarBuffer([{ path: 'package/a.js', body: 'short', size: 5000 }], { end: false }));
    await expectRefused(file, 'CORRUPT_ARCHIVE');
  });

  it('refuses an archive that ends inside a header', async () => {
    const file = path.join(root, 'cut-header.tar');
    const whole = tarBuffer([{ path: 'package/a.js', body: 'a' }, { path: 'package/b.js', body: 'b' }], { end: false });
    fs.writeFileSync(file, whole.subarray(0, 1024 + 100));
    await expectRefused(file, 'CORRUPT_ARCHIVE');
  });

  it('tolerates an archive without the end-of-archive marker that ends after a whole entry', async () => {
    const file = path.join(root, 'no-eof.tar');
    fs.writeFileSync(file, tarBuffer([{ path: 'package/a.js', body: 'a' }], { end: false }));
    await expect(extractTarball(file, dest, { prefix: 'first-component' })).resolves.toEqual({ files: 1, bytes: 1 });
  });

  it('refuses a file that is not a tar archive', async () => {
    const file = path.join(root, 'not-a-tar.tgz');
    fs.writeFileSync(file, 'this is not an archive at all\n'.repeat(100));
    await expectRefused(file, 'CORRUPT_ARCHIVE');
  });

  it('refuses an empty file', async () => {
    const file = path.join(root, 'empty.tgz');
    fs.writeFileSync(file, '');
    await expectRefused(file, 'CORRUPT_ARCHIVE');
  });

  it('refuses an archive gzipped twice', async () => {
    await expectRefused(npmPackage(), 'CORRUPT_ARCHIVE', { archiveOptions: { gzipTwice: true } });
  });

  it('refuses zstd archives with a clear error', async () => {
    const file = path.join(root, 'x.tar.zst');
    fs.writeFileSync(file, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const error = await expectRefused(file, 'UNSUPPORTED_ARCHIVE');
    expect(error.message).toContain('zstd');
  });

  it('reports a file system failure as EXTRACT_FAILED naming the entry, without the long path', async () => {
    const long = `package/${'x'.repeat(300)}.js`;
    const error = await expectRefused([{ path: 'package/package.json', body: '{}' }, { path: long, body: 'x' }], 'EXTRACT_FAILED');
    expect(error.message).toMatch(/ENAMETOOLONG \(open\)$/);
  });

  it('reports a missing archive', async () => {
    await expectRefused(path.join(root, 'nope.tgz'), 'ARCHIVE_NOT_FOUND');
  });

  it('names the plugin when given a name', async () => {
    const error = await expectRefused(malicious.charDevice(), 'UNSUPPORTED_ENTRY_TYPE', { name: '@acme/plugin-x@1.0.0' });
    expect(error.message).toMatch(/^Refusing @acme\/plugin-x@1\.0\.0 \(.*archive-\d+\.tgz\): entry "package\/null" is a character device/);
  });
});

describe('extractTarball: destination', () => {
  it('refuses a destination that is not empty, and leaves it alone', async () => {
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'keep.txt'), 'keep');
    await expect(extractTarball(await archive(npmPackage()), dest, { prefix: 'first-component' })).rejects.toMatchObject({
      code: 'DESTINATION_NOT_EMPTY',
    });
    expect(fs.readdirSync(dest)).toEqual(['keep.txt']);
  });

  it('refuses a destination that is a file', async () => {
    fs.writeFileSync(dest, 'file');
    await expect(extractTarball(await archive(npmPackage()), dest, { prefix: 'first-component' })).rejects.toMatchObject({
      code: 'INVALID_DESTINATION',
    });
    expect(fs.readFileSync(dest, 'utf8')).toBe('file');
  });
});
