import fs from 'node:fs';
import path from 'node:path';
import { extractTarball } from './extract';
import { malicious, npmPackage } from '../testing/tarFixtures';
import { archive, dest, expectRefused, root } from '../testing/extractHarness';

jest.setTimeout(60_000);

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

  it('refuses a symlink with a 1 MiB target fast, before resolving it', async () => {
    // Just under node-tar's 1 MiB extended-header limit, so the link reaches the check.
    const target = 'a/'.repeat(500_000);
    const started = Date.now();
    const error = await expectRefused(
      [{ path: 'package/package.json', body: '{}' }, { path: 'package/long', type: 'symlink', linkpath: target }],
      'UNSAFE_SYMLINK',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toContain('entry "package/long" is a symbolic link with a target of 1000000 bytes, more than the 4095 allowed');
    // A full 1 MiB target does not fit the parser's extended header: refused too.
    await expectRefused(
      [{ path: 'package/package.json', body: '{}' }, { path: 'package/long', type: 'symlink', linkpath: 'a/'.repeat(512 * 1024) }],
      'CORRUPT_ARCHIVE',
    );
  });

  it('refuses a symlink target of more than 256 path segments within 4095 bytes', async () => {
    const error = await expectRefused(
      [{ path: 'package/package.json', body: '{}' }, { path: 'package/many', type: 'symlink', linkpath: './'.repeat(300) + 'package.json' }],
      'UNSAFE_SYMLINK',
    );
    expect(error.message).toContain('is a symbolic link with more than 256 path segments');
  });

  it('still extracts a symlink with a long but reasonable target', async () => {
    await extractTarball(
      await archive([{ path: 'package/package.json', body: '{}' }, { path: 'package/deep', type: 'symlink', linkpath: `${'./'.repeat(100)}package.json` }]),
      dest,
      { prefix: 'first-component' },
    );
    expect(fs.readlinkSync(path.join(dest, 'deep'))).toBe(`${'./'.repeat(100)}package.json`);
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
