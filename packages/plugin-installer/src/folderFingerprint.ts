import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * A hash over every file's path, size and modification time under `dir`:
 * cheap enough for every start (no file is read), and changed by any edit,
 * addition or removal. Used for local source folders (re-copy when they
 * change) and for installed plugin folders (re-install when edited in place).
 */
export async function folderFingerprint(dir: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const walk = async (current: string) => {
    const entries = await fs.readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const stat = await fs.lstat(full);
      hash.update(`${path.relative(dir, full)}\0${stat.size}\0${stat.mtimeMs}\0`);
      if (entry.isDirectory()) await walk(full);
    }
  };
  await walk(dir);
  return hash.digest('hex');
}
