/**
 * The workspace of the extractor's tests: a fresh folder per test, archives
 * written into it, and the check of a refused extraction. Importing this
 * registers the per-test setup and cleanup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../src/errors';
import { extractTarball, type ExtractOptions } from '../src/extract';
import { writeArchive, type ArchiveOptions, type TarEntry } from './tarFixtures';

export let root: string;
export let dest: string;
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

export function archive(entries: TarEntry[], options: ArchiveOptions = {}) {
  counter++;
  const ext = options.gzip === false ? 'tar' : 'tgz';
  return writeArchive(path.join(root, `archive-${counter}.${ext}`), entries, options);
}

export function exists(file: string) {
  return fs.lstatSync(file, { throwIfNoEntry: false }) !== undefined;
}

export function mode(file: string) {
  return fs.statSync(file).mode & 0o7777;
}

/**
 * Runs an extraction that must fail: checks the code, that the message is one
 * line naming the archive, that dest is gone and that none of `outside` exists.
 */
export async function expectRefused(
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
