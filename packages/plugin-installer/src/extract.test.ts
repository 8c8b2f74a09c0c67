import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { create as createTar } from 'tar';
import { InstallError } from './errors';
import { extractTarball, type ExtractOptions } from './extract';
import {
  malicious,
  npmPackage,
  ociLayer,
  tarBuffer,
  writeArchive,
  LONG_DIR,
  type ArchiveOptions,
  type TarEntry,
} from '../testing/tarFixtures';

jest.setTimeout(60_000);

let root: string;
let dest: string;
let counter = 0;

beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-extract-'));
  // dest sits two levels below root, so `../..` escapes land inside root where they can be looked for.
  dest = path.join(root, 'work', 'staging', 'plugin');
  fs.mkdirSync(path.dirname(dest), { recursive: true });
});

afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

function archive(entries: TarEntry[], options: ArchiveOptions = {}) {
  counter++;
  const ext = options.gzip === false ? 'tar' : 'tgz';
  return writeArchive(path.join(root, `archive-${counter}.${ext}`), entries, options);
}

function exists(file: string) {
  return fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}

function mode(file: string) {
  return fs.statSync(file).mode & 0o7777;
}

/**
 * Runs an extraction that must fail: checks the code, that the message is one
 * line naming the archive, that dest is gone and that none of `outside` exists.
 */
async function expectRefused(
  entries: TarEntry[] | string,
  code: string,
  options: Partial<ExtractOptions> & { outside?: string[]; archiveOptions?: ArchiveOptions } = {},
): Promise<InstallError> {
  const { outside = [], archiveOptions, ...extractOptions } = options;
  const file = typeof entries === 'string' ? entries : await archive(entries, archiveOptions);
  let error: unknown;
  try {
    await extractTarball(file, dest, { prefix: 'first-component', ...extractOptions });
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(InstallError);
  const installError = error as InstallError;
  expect({ code: installError.code, message: installError.message }).toEqual({ code, message: expect.any(String) });
  expect(installError.message).not.toMatch(/[\r\n]/);
  expect(installError.message).toContain(file);
  expect(exists(dest)).toBe(false);
  for (const file of outside) {
    expect(exists(file)).toBe(false);
  }
  return installError;
}

describe('extractTarball: npm tarballs', () => {
  it('extracts an npm tarball with the package/ folder stripped', async () => {
    const marker = path.join(root, 'postinstall-ran');
    const result = await extractTarball(await archive(npmPackage(marker)), dest, { prefix: 'first-component' });

    expect(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')).toContain('@acme/plugin-example');
    expect(fs.readFileSync(path.join(dest, 'dist/index.js'), 'utf8')).toBe('module.exports = 42;\n');
    expect(fs.readFileSync(path.join(dest, 'dist/nested/deep/util.js'), 'utf8')).toBe('exports.util = true;\n');
    expect(fs.readFileSync(path.join(dest, 'dist', LONG_DIR, 'long.js'), 'utf8')).toBe('exports.long = 1;\n');
    expect(exists(path.join(dest, 'package'))).toBe(false);
    expect(result.files).toBe(10);
    expect(result.bytes).toBe(
      ['package.json', 'dist/index.js', 'dist/nested/deep/util.js', 'bin/cli.js', 'bin/setuid.sh', 'bin/sticky-setgid', 'data/world-writable.txt', `dist/${LONG_DIR}/long.js`, 'README.md']
        .map(file => fs.statSync(path.join(dest, file)).size)
        .reduce((a, b) => a + b),
    );
    // Lifecycle scripts are never run.
    expect(exists(marker)).toBe(false);
  });

  it('keeps the exec bit and drops setuid, setgid, sticky and group/other write', async () => {
    await extractTarball(await archive(npmPackage()), dest, { prefix: 'first-component' });
    expect(mode(path.join(dest, 'bin/cli.js'))).toBe(0o755);
    expect(mode(path.join(dest, 'bin/setuid.sh'))).toBe(0o755);
    expect(mode(path.join(dest, 'bin/sticky-setgid'))).toBe(0o755);
    expect(mode(path.join(dest, 'data/world-writable.txt'))).toBe(0o644);
    expect(mode(path.join(dest, 'package.json'))).toBe(0o644);
    for (const dir of ['.', 'bin', 'dist', 'dist/nested', 'dist/nested/deep', 'data']) {
      expect([dir, mode(path.join(dest, dir))]).toEqual([dir, 0o755]);
    }
  });

  it('writes the same modes whatever the umask', async () => {
    const file = await archive(npmPackage());
    let previous: number;
    try {
      previous = process.umask(0o077);
    } catch {
      return; // umask cannot be changed in worker threads
    }
    try {
      await extractTarball(file, dest, { prefix: 'first-component' });
    } finally {
      process.umask(previous);
    }
    expect(mode(path.join(dest, 'bin/cli.js'))).toBe(0o755);
    expect(mode(path.join(dest, 'package.json'))).toBe(0o644);
    expect(mode(path.join(dest, 'dist/nested'))).toBe(0o755);
  });

  it('keeps relative symlinks and hard links that stay inside the plugin folder', async () => {
    await extractTarball(await archive(npmPackage()), dest, { prefix: 'first-component' });
    expect(fs.readlinkSync(path.join(dest, 'dist/alias.js'))).toBe('nested/deep/util.js');
    expect(fs.readFileSync(path.join(dest, 'dist/alias.js'), 'utf8')).toBe('exports.util = true;\n');
    expect(fs.readlinkSync(path.join(dest, 'dist/nested/deep/up.js'))).toBe('../../index.js');
    expect(fs.statSync(path.join(dest, 'dist/same.js')).ino).toBe(fs.statSync(path.join(dest, 'dist/index.js')).ino);
  });

  it('extracts a plain (uncompressed) .tar', async () => {
    const result = await extractTarball(await archive(npmPackage(), { gzip: false }), dest, { prefix: 'package' });
    expect(result.files).toBe(10);
    expect(fs.readFileSync(path.join(dest, 'README.md'), 'utf8')).toBe('# example\n');
  });

  it('reads long names from GNU long-name headers', async () => {
    const long = `package/${LONG_DIR}/${LONG_DIR}/file.js`;
    await extractTarball(
      await archive([{ path: 'package/package.json', body: '{}' }, { path: long, body: 'gnu', gnuLongName: true }]),
      dest,
      { prefix: 'first-component' },
    );
    expect(fs.readFileSync(path.join(dest, LONG_DIR, LONG_DIR, 'file.js'), 'utf8')).toBe('gnu');
  });

  it('extracts a tarball written by node-tar, pax headers included', async () => {
    const source = path.join(root, 'src');
    const deep = path.join(source, 'package', 'dist', LONG_DIR, LONG_DIR);
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(source, 'package', 'package.json'), '{"name":"x","version":"1.0.0"}');
    fs.writeFileSync(path.join(deep, 'ünïcödé-ファイル.js'), 'pax');
    fs.writeFileSync(path.join(source, 'package', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
    const file = path.join(root, 'node-tar.tgz');
    await createTar({ gzip: true, file, cwd: source, portable: true }, ['package']);

    const result = await extractTarball(file, dest, { prefix: 'first-component' });
    expect(result.files).toBe(3);
    expect(fs.readFileSync(path.join(dest, 'dist', LONG_DIR, LONG_DIR, 'ünïcödé-ファイル.js'), 'utf8')).toBe('pax');
    expect(mode(path.join(dest, 'run.sh'))).toBe(0o755);
  });

  it('lets a later entry replace an earlier file of the same path', async () => {
    await extractTarball(
      await archive([
        { path: 'package/index.js', body: 'first' },
        { path: 'package/index.js', body: 'second' },
      ]),
      dest,
      { prefix: 'first-component' },
    );
    expect(fs.readFileSync(path.join(dest, 'index.js'), 'utf8')).toBe('second');
  });

  it('reads nothing after the end-of-archive marker', async () => {
    // 200 MB of zeros after the end would trip the 10 MB stream cap if read.
    const file = await archive(npmPackage(), { trailingZeros: 200_000_000, level: 1 });
    const result = await extractTarball(file, dest, { prefix: 'first-component', maxArchiveBytes: 10_000_000 });
    expect(result.files).toBe(10);
  });

  it('streams a large file to disk intact', async () => {
    const data = crypto.randomBytes(30_000_000);
    const result = await extractTarball(await archive([{ path: 'package/big.bin', body: data }], { level: 1 }), dest, {
      prefix: 'first-component',
    });
    expect(result).toEqual({ files: 1, bytes: data.length });
    const written = fs.readFileSync(path.join(dest, 'big.bin'));
    expect(crypto.createHash('sha256').update(written).digest('hex')).toBe(crypto.createHash('sha256').update(data).digest('hex'));
  });

  it('extracts thousands of small files', async () => {
    const entries: TarEntry[] = Array.from({ length: 3000 }, (_, i) => ({
      path: `package/d${i % 30}/f${i}.js`,
      body: `module.exports = ${i};\n`,
    }));
    const result = await extractTarball(await archive(entries), dest, { prefix: 'first-component' });
    expect(result.files).toBe(3000);
    expect(fs.readFileSync(path.join(dest, 'd7/f2137.js'), 'utf8')).toBe('module.exports = 2137;\n');
  });

  it('leaves no file descriptor open, after success or refusal', async () => {
    if (!fs.existsSync('/proc/self/fd')) return;
    const good = await archive(npmPackage());
    const bad = await archive(malicious.symlinkUpAndOut());
    const truncated = await archive(npmPackage());
    fs.truncateSync(truncated, Math.floor(fs.statSync(truncated).size / 2));
    const before = fs.readdirSync('/proc/self/fd').length;
    for (let i = 0; i < 20; i++) {
      const target = path.join(root, `fd-${i}`);
      await extractTarball(good, target, { prefix: 'first-component' });
      await expect(extractTarball(bad, `${target}-bad`, { prefix: 'first-component' })).rejects.toBeInstanceOf(InstallError);
      await expect(extractTarball(truncated, `${target}-cut`, { prefix: 'first-component' })).rejects.toBeInstanceOf(InstallError);
    }
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(fs.readdirSync('/proc/self/fd').length).toBeLessThanOrEqual(before);
  });

  it('extracts into an existing empty folder', async () => {
    fs.mkdirSync(dest);
    await extractTarball(await archive(npmPackage()), dest, { prefix: 'first-component' });
    expect(exists(path.join(dest, 'package.json'))).toBe(true);
  });
});

describe('extractTarball: OCI layers', () => {
  it('extracts only the selected plugin folder of a layer holding several', async () => {
    const result = await extractTarball(await archive(ociLayer()), dest, { prefix: 'plugin-b' });
    expect(fs.readdirSync(dest).sort()).toEqual(['bin', 'dist', 'package.json']);
    expect(JSON.parse(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')).name).toBe('plugin-b');
    expect(fs.readFileSync(path.join(dest, 'dist/index.js'), 'utf8')).toBe('b');
    expect(fs.readlinkSync(path.join(dest, 'dist/chunk.js'))).toBe('index.js');
    expect(mode(path.join(dest, 'bin/run'))).toBe(0o755);
    expect(result).toEqual({ files: 3, bytes: Buffer.byteLength('{"name":"plugin-b","version":"2.0.0"}') + 1 + 3 });
  });

  it('matches the plugin folder on ./-prefixed paths', async () => {
    await extractTarball(await archive(ociLayer()), dest, { prefix: 'plugin-a' });
    expect(fs.readFileSync(path.join(dest, 'dist/index.js'), 'utf8')).toBe('a');
  });

  it('accepts a nested folder as the prefix', async () => {
    await extractTarball(
      await archive([{ path: 'opt/plugins/x/package.json', body: '{}' }, { path: 'opt/plugins/y/package.json', body: '[]' }]),
      dest,
      { prefix: 'opt/plugins/y' },
    );
    expect(fs.readFileSync(path.join(dest, 'package.json'), 'utf8')).toBe('[]');
  });

  it('refuses a layer without the selected plugin folder (EMPTY_ARCHIVE)', async () => {
    const error = await expectRefused(ociLayer(), 'EMPTY_ARCHIVE', { prefix: 'plugin-c' });
    expect(error.message).toContain('plugin-c/');
  });

  it('refuses a hard link to a file of another plugin folder', async () => {
    await expectRefused(
      [...ociLayer(), { path: 'plugin-b/stolen.js', type: 'hardlink', linkpath: 'plugin-a/dist/index.js' }],
      'UNSAFE_HARDLINK',
      { prefix: 'plugin-b' },
    );
  });

  it('refuses the whole layer when another folder has a .. path', async () => {
    await expectRefused([...ociLayer(), { path: 'plugin-a/../../evil', body: 'x' }], 'UNSAFE_PATH', {
      prefix: 'plugin-b',
      outside: [path.join(root, 'work', 'evil'), path.join(root, 'evil')],
    });
  });

  it('refuses a plugin folder that is a symbolic link', async () => {
    await expectRefused([{ path: 'plugin-c', type: 'symlink', linkpath: '/etc' }, ...ociLayer()], 'UNSAFE_SYMLINK', {
      prefix: 'plugin-c',
    });
  });
});

describe('extractTarball: unsafe paths', () => {
  it('refuses an entry with .. segments (package/../../evil)', async () => {
    const error = await expectRefused(malicious.dotDotPath(), 'UNSAFE_PATH', {
      outside: [path.join(root, 'work', 'staging', 'evil'), path.join(root, 'work', 'evil'), path.join(root, 'evil')],
    });
    expect(error.message).toContain('"package/../../evil"');
  });

  it('refuses an absolute path (/etc/evil)', async () => {
    const error = await expectRefused(malicious.absolutePath('/etc/devportal-extract-test-evil'), 'UNSAFE_PATH', {
      outside: ['/etc/devportal-extract-test-evil'],
    });
    expect(error.message).toContain('/etc/devportal-extract-test-evil');
  });

  it('refuses an absolute path pointing into a folder the test can inspect', async () => {
    const target = path.join(root, 'abs-evil');
    await expectRefused(malicious.absolutePath(target), 'UNSAFE_PATH', { outside: [target] });
  });

  it('refuses Windows-style paths (C:\\ and backslashes)', async () => {
    await expectRefused([...malicious.dotDotPath().slice(0, 2), { path: 'package\\..\\..\\evil', body: 'x' }], 'UNSAFE_PATH');
    await expectRefused([...malicious.dotDotPath().slice(0, 2), { path: 'C:/evil', body: 'x' }], 'UNSAFE_PATH');
  });

  it('refuses an invalid prefix', async () => {
    const file = await archive(npmPackage());
    for (const prefix of ['../x', '/abs', '', 'a/../b', 'a\\b']) {
      await expect(extractTarball(file, dest, { prefix })).rejects.toMatchObject({ code: 'INVALID_PREFIX' });
    }
  });
});

describe('extractTarball: links', () => {
  it('refuses a symlink that points to an absolute path (/etc/passwd)', async () => {
    const error = await expectRefused(malicious.symlinkToEtcPasswd(), 'UNSAFE_SYMLINK');
    expect(error.message).toContain('"package/passwd"');
    expect(error.message).toContain('/etc/passwd');
  });

  it('refuses a symlink that points outside the plugin folder (../../outside)', async () => {
    await expectRefused(malicious.symlinkUpAndOut(), 'UNSAFE_SYMLINK', {
      outside: [path.join(root, 'work', 'staging', 'outside')],
    });
  });

  it('refuses a symlink chain that escapes through an intermediate link', async () => {
    const error = await expectRefused(malicious.symlinkChain(), 'UNSAFE_SYMLINK', {
      outside: [path.join(root, 'work', 'staging', 'outside')],
    });
    expect(error.message).toContain('"package/escape"');
  });

  it('refuses a symlink chain that escapes through a link written after it', async () => {
    await expectRefused(malicious.symlinkChainReversed(), 'UNSAFE_SYMLINK');
  });

  it('refuses to write a file through a symlinked folder', async () => {
    const error = await expectRefused(malicious.writeThroughSymlink(), 'UNSAFE_SYMLINK');
    expect(error.message).toContain('"package/alias/file.js"');
  });

  it('refuses a loop of symlinks', async () => {
    await expectRefused(malicious.symlinkLoop(), 'UNSAFE_SYMLINK');
  });

  it('refuses a symlink through a differently-cased link (case-insensitive disks)', async () => {
    await expectRefused(
      [
        ...malicious.dotDotPath().slice(0, 2),
        { path: 'package/a/Up', type: 'symlink', linkpath: '..' },
        { path: 'package/escape', type: 'symlink', linkpath: 'a/up/../outside' },
      ],
      'UNSAFE_SYMLINK',
    );
  });

  it('refuses a hard link whose target is outside the plugin folder', async () => {
    const outsideFile = path.join(root, 'work', 'outside-file');
    fs.writeFileSync(outsideFile, 'secret');
    await expectRefused(malicious.hardlinkOutside(), 'UNSAFE_HARDLINK');
    expect(fs.statSync(outsideFile).nlink).toBe(1);
  });

  it('refuses a hard link to an absolute path (/etc/passwd)', async () => {
    const before = fs.statSync('/etc/passwd').nlink;
    await expectRefused(malicious.hardlinkAbsolute(), 'UNSAFE_HARDLINK');
    expect(fs.statSync('/etc/passwd').nlink).toBe(before);
  });

  it('refuses a hard link to a file not extracted yet', async () => {
    await expectRefused(malicious.hardlinkNotYetExtracted(), 'UNSAFE_HARDLINK');
  });

  it('refuses a hard link to a symlink', async () => {
    await expectRefused(malicious.hardlinkToSymlink(), 'UNSAFE_HARDLINK');
  });
});

describe('extractTarball: entry types', () => {
  it('refuses a character device', async () => {
    const error = await expectRefused(malicious.charDevice(), 'UNSUPPORTED_ENTRY_TYPE');
    expect(error.message).toContain('character device');
  });

  it('refuses a block device', async () => {
    await expectRefused(malicious.blockDevice(), 'UNSUPPORTED_ENTRY_TYPE');
  });

  it('refuses a FIFO', async () => {
    const error = await expectRefused(malicious.fifo(), 'UNSUPPORTED_ENTRY_TYPE');
    expect(error.message).toContain('FIFO');
  });

  it('refuses an entry of an unknown type', async () => {
    await expectRefused(malicious.unknownType(), 'UNSUPPORTED_ENTRY_TYPE');
  });

  it('refuses a file where a folder was extracted', async () => {
    await expectRefused(
      [{ path: 'package/lib/x.js', body: 'x' }, { path: 'package/lib', body: 'now a file' }],
      'ENTRY_CONFLICT',
    );
  });

  it('refuses a file below a file', async () => {
    await expectRefused([{ path: 'package/lib', body: 'x' }, { path: 'package/lib/x.js', body: 'x' }], 'ENTRY_CONFLICT');
  });
});

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
