import crypto from 'node:crypto';
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * `sha256:<hex>` of a folder's content: every entry's relative path and
 * kind, every file's bytes, every link's target, in name order. Two folders
 * hash the same exactly when they hold the same tree; modification times and
 * modes do not count (a fresh copy hashes like its source).
 */
export async function hashFolder(dir: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  const walk = async (current: string) => {
    const entries = await fs.readdir(current, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      const relative = path.relative(dir, full).split(path.sep).join('/');
      if (entry.isDirectory()) {
        hash.update(`d\0${relative}\n`);
        await walk(full);
      } else if (entry.isSymbolicLink()) {
        hash.update(`l\0${relative}\0${await fs.readlink(full)}\n`);
      } else if (entry.isFile()) {
        hash.update(`f\0${relative}\0${await hashFile(full)}\n`);
      } else {
        // Sockets, fifos, devices: named, never read.
        hash.update(`o\0${relative}\n`);
      }
    }
  };
  await walk(dir);
  return `sha256:${hash.digest('hex')}`;
}

async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
