import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { create as createTar } from 'tar';
import { InstallError } from './errors';
import { extractTarball } from './extract';
import { malicious, npmPackage, ociLayer, LONG_DIR, type TarEntry } from '../testing/tarFixtures';
import { archive, dest, exists, expectRefused, mode, root } from '../testing/extractHarness';

jest.setTimeout(60_000);

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
