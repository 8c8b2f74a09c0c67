import fs from 'node:fs/promises';
import path from 'node:path';
import { InstallError } from './errors';

/**
 * Writes a file so that readers see either the old or the new content, never
 * a partial one: write a sibling temporary file, flush it, rename over.
 */
export async function writeFileAtomically(file: string, content: string) {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  const handle = await fs.open(temp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}

/**
 * `file` made absolute against `baseDir`. Library code never falls back to
 * the process's current folder: a relative path without a `baseDir` is
 * refused (`INVALID_OPTIONS`).
 */
export function resolveFrom(baseDir: string | undefined, file: string): string {
  if (path.isAbsolute(file)) return path.resolve(file);
  if (!baseDir || !path.isAbsolute(baseDir)) {
    throw new InstallError(`${file}: a relative path needs an absolute baseDir to be resolved against`, 'INVALID_OPTIONS');
  }
  return path.resolve(baseDir, file);
}
