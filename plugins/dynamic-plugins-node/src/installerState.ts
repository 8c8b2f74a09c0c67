import fs from 'node:fs';
import path from 'node:path';
import { INSTALLER_STATE_FILE, parseInstallState, type InstallState } from '@devportal/plugin-dynamic-plugins-common';

/**
 * What the installer says the root holds, read from its state file; undefined
 * when no install has run there or the file is not one this version reads.
 * Read anew at each call: the installer may have run since.
 */
export function readInstallState(root: string): InstallState | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, INSTALLER_STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  return parseInstallState(text);
}
