import fs from 'node:fs';
import path from 'node:path';
import { InstallError } from './errors';
import { extractTarball, extractTarballFolders } from './extract';
import { ociLayer, type TarEntry } from '../testing/tarFixtures';
import { archive, dest, exists } from '../testing/extractHarness';

jest.setTimeout(60_000);

/** Every file under a folder with its content (links as `-> target`), for comparing two extractions. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const file = path.join(rel, name);
      const stat = fs.lstatSync(path.join(dir, file));
      if (stat.isDirectory()) walk(file);
      else if (stat.isSymbolicLink()) out[file] = `-> ${fs.readlinkSync(path.join(dir, file))}`;
      else out[file] = `${(stat.mode & 0o777).toString(8)} ${fs.readFileSync(path.join(dir, file), 'utf8')}`;
    }
  };
  walk('');
  return out;
}

async function refused(entries: TarEntry[], folders: string[], code: string, options = {}) {
  const file = await archive(entries);
  const error = await extractTarballFolders(file, dest, folders, options).then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  expect((error as InstallError).code).toBe(code);
  expect((error as InstallError).message).not.toMatch(/[\r\n]/);
  expect(exists(dest)).toBe(false);
  return error as InstallError;
}

describe('extractTarballFolders: several plugin folders of one layer in one pass', () => {
  it('writes each folder as extractTarball would with that folder as prefix', async () => {
    const file = await archive(ociLayer());
    const dirs = await extractTarballFolders(file, dest, ['plugin-a', 'plugin-b', 'plugin-bb'], {});
    expect(dirs).toEqual([0, 1, 2].map(i => path.join(dest, String(i))));
    for (const [i, folder] of ['plugin-a', 'plugin-b', 'plugin-bb'].entries()) {
      const alone = path.join(path.dirname(dest), `alone-${folder}`);
      await extractTarball(file, alone, { prefix: folder });
      expect(snapshot(dirs[i])).toEqual(snapshot(alone));
    }
    expect(fs.readlinkSync(path.join(dirs[1], 'dist/chunk.js'))).toBe('index.js');
  });

  it('refuses a symbolic link into a sibling plugin folder', async () => {
    const entries: TarEntry[] = [
      ...ociLayer(),
      { path: 'plugin-a/dist/peek', type: 'symlink', linkpath: '../../plugin-b/dist/index.js' },
    ];
    const error = await refused(entries, ['plugin-a', 'plugin-b'], 'UNSAFE_SYMLINK');
    expect(error.message).toContain('plugin-a/dist/peek');
  });

  it('refuses a hard link to a file of a sibling plugin folder', async () => {
    const entries: TarEntry[] = [...ociLayer(), { path: 'plugin-a/dist/copy', type: 'hardlink', linkpath: 'plugin-b/dist/index.js' }];
    await refused(entries, ['plugin-a', 'plugin-b'], 'UNSAFE_HARDLINK');
  });

  it('holds each folder to maxTotalBytes on its own', async () => {
    const entries: TarEntry[] = [
      { path: 'one/package.json', body: 'x'.repeat(600) },
      { path: 'two/package.json', body: 'y'.repeat(600) },
    ];
    // Together 1200 bytes: within 1000 per folder, as two separate extractions would be.
    const dirs = await extractTarballFolders(await archive(entries), dest, ['one', 'two'], { maxTotalBytes: 1000 });
    expect(fs.readFileSync(path.join(dirs[1], 'package.json'), 'utf8')).toHaveLength(600);
    fs.rmSync(dest, { recursive: true });
    await refused([...entries, { path: 'two/more.js', body: 'z'.repeat(600) }], ['one', 'two'], 'ARCHIVE_TOO_LARGE', { maxTotalBytes: 1000 });
  });

  it('fails when one of the folders holds no file', async () => {
    const error = await refused(ociLayer(), ['plugin-a', 'plugin-c'], 'EMPTY_ARCHIVE');
    expect(error.message).toContain('plugin-c/');
  });

  it('refuses an unsafe path anywhere in the archive', async () => {
    await refused([...ociLayer(), { path: 'other/../../evil', body: 'x' }], ['plugin-a', 'plugin-b'], 'UNSAFE_PATH');
  });

  it('refuses nested or repeated folders before writing anything', async () => {
    const file = await archive(ociLayer());
    for (const folders of [['plugin-b', 'plugin-b/dist'], ['plugin-a', 'plugin-a'], []]) {
      await expect(extractTarballFolders(file, dest, folders, {})).rejects.toMatchObject({ code: 'INVALID_PREFIX' });
      expect(exists(dest)).toBe(false);
    }
  });
});
