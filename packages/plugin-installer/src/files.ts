import { constants as fsConstants } from 'node:fs';
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
 * The temporary file `writeFileAtomically` leaves behind when its process is
 * killed between writing and renaming: `.<name>.<pid>.tmp`.
 */
export function isAtomicWriteLeftover(name: string): boolean {
  return /^\..+\.\d+\.tmp$/.test(name);
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

/** The largest config file read unless told otherwise (`--max-config-size`): 4 MiB. */
export const DEFAULT_MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a file that must be a regular file of at most `maxBytes`: a FIFO, a
 * device or a folder is refused (`NOT_A_FILE`) without blocking on it (it is
 * opened non-blocking and checked again once open), and so is a larger file
 * (`FILE_TOO_LARGE`, `what` names the limit's option). Other failures are
 * the file system's errors (`ENOENT`, `EACCES`...), thrown as they are.
 */
export async function readRegularFile(file: string, maxBytes: number, what = 'the limit'): Promise<Buffer> {
  const check = (stat: { isFile(): boolean; size: number }) => {
    if (!stat.isFile()) {
      throw new InstallError(`${file}: not a regular file (${fileKind(stat as any)}); refusing to read it`, 'NOT_A_FILE');
    }
    if (stat.size > maxBytes) {
      throw new InstallError(`${file}: ${stat.size} bytes is more than the ${maxBytes} allowed (${what})`, 'FILE_TOO_LARGE');
    }
  };
  check(await fs.stat(file));
  const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOCTTY ?? 0));
  try {
    check(await handle.stat());
    // Until the end, or one byte more than allowed (a file that grew since).
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(65_536), 0, 65_536, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      length += bytesRead;
      if (length > maxBytes) {
        throw new InstallError(`${file}: more than the ${maxBytes} bytes allowed (${what})`, 'FILE_TOO_LARGE');
      }
    }
    return Buffer.concat(chunks, length);
  } finally {
    await handle.close();
  }
}

function fileKind(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}
