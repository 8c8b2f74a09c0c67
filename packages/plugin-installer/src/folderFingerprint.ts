import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * A hash over every file's path, size and modification time under `dir`:
 * cheap enough for every start (no file is read), and changed by any edit,
 * addition or removal. Used for local source folders (re-copy when they
 * change) and for installed plugin folders (re-install when edited in place).
 *
 * The walk is synchronous: it only reads metadata the kernel has cached, and
 * a promise and thread-pool round trip per `lstat` cost several times the
 * call itself (profiled: ~0.1 s of a cold install of 30 plugins, most of an
 * unchanged re-run). It stays `async` for its callers.
 */
export async function folderFingerprint(dir: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const walk = (current: string) => {
    const entries = fs.readdirSync(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const stat = fs.lstatSync(full);
      hash.update(`${path.relative(dir, full)}\0${stat.size}\0${stat.mtimeMs}\0`);
      if (entry.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return hash.digest('hex');
}
