import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { DEFAULT_MAX_CONFIG_BYTES, readRegularFile } from './files';
import { folderFingerprint } from './folderFingerprint';
import {
  INSTALLER_STATE_FILE,
  parseInstallState,
  type InstallState,
  type InstalledRecord,
} from '@devportal/plugin-dynamic-plugins-common';

/*
 * The root's record of what is installed (`INSTALLER_STATE_FILE`): its
 * shape and parser are the shared contract, because the backend loader and
 * the admin API read the same file.
 */

export type { InstallState };

/** The root's state, or `undefined` when there is none we can read (a newer installer, a truncated file). */
export async function readState(root: string): Promise<InstallState | undefined> {
  const text = await fs.readFile(path.join(root, INSTALLER_STATE_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseInstallState(text);
}

/**
 * A hash of the config files' contents and the install options. A file that
 * cannot be read as a config (missing, not a regular file, too large) hashes
 * as a marker, never blocks: the parser then says what is wrong with it.
 */
export async function hashInputs(files: string[], options: unknown, maxBytes = DEFAULT_MAX_CONFIG_BYTES): Promise<string> {
  const hash = crypto.createHash('sha256').update(JSON.stringify(options));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(await readRegularFile(file, maxBytes).catch(() => Buffer.from('<missing>')));
  }
  return hash.digest('hex');
}

/** The folder still holds the package we installed there. */
export async function isIntact(root: string, record: InstalledRecord & { folderFingerprint?: string }): Promise<boolean> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(root, record.folder, 'package.json'), 'utf8'));
    if (pkg.name !== record.name || pkg.version !== record.version) return false;
    // Any file added, removed or edited since the install (sizes and times): install it again.
    return !record.folderFingerprint || (await folderFingerprint(path.join(root, record.folder))) === record.folderFingerprint;
  } catch {
    return false;
  }
}
