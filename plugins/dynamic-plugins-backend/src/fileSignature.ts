import fs from 'node:fs';

/**
 * What tells one version of a file from another without reading it: its
 * inode, modification time and size. A file replaced by a rename (as the
 * installer writes its state and moves plugin folders in) gets a new inode.
 * `-` for a file that is not there, so its appearing changes the signature.
 */
export function fileSignature(file: string): string {
  return statSignature(statOrUndefined(file));
}

/** The signature of a stat already taken (see fileSignature). */
export function statSignature(stat: fs.Stats | undefined): string {
  return stat ? `${stat.ino}:${stat.mtimeMs}:${stat.size}` : '-';
}

/** The file's stat, or undefined when it cannot be taken (absent, unreadable folder). */
export function statOrUndefined(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch {
    return undefined;
  }
}
