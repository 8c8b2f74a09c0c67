import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { InstalledRecord } from './sources/types';

export const STATE_FILE = '.devportal-installed.json';

/** What the root holds, written by each successful install. */
export interface InstallState {
  version: 1;
  /** The config files read (top-level first) and a hash of their contents and the options that matter. */
  files: string[];
  inputs: string;
  /** True when every enabled plugin can be re-checked without a registry (pinned or local). */
  offline: boolean;
  plugins: Record<string, InstalledRecord>;
  disabled: Array<{ key: string; package: string }>;
  /** The config's warnings, repeated by a re-run that skips parsing. */
  warnings: string[];
}

export async function readState(root: string): Promise<InstallState | undefined> {
  try {
    const state = JSON.parse(await fs.readFile(path.join(root, STATE_FILE), 'utf8'));
    return state?.version === 1 ? state : undefined;
  } catch {
    return undefined;
  }
}

/** A hash of the config files' contents and the install options. */
export async function hashInputs(files: string[], options: unknown): Promise<string> {
  const hash = crypto.createHash('sha256').update(JSON.stringify(options));
  for (const file of files) {
    hash.update(`\0${file}\0`);
    hash.update(await fs.readFile(file).catch(() => Buffer.from('<missing>')));
  }
  return hash.digest('hex');
}

/** The folder still holds the package we installed there. */
export async function isIntact(root: string, record: InstalledRecord): Promise<boolean> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(root, record.folder, 'package.json'), 'utf8'));
    return pkg.name === record.name && pkg.version === record.version;
  } catch {
    return false;
  }
}
