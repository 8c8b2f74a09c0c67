import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isBackendRole } from '@devportal/plugin-dynamic-plugins-common';
import { layerFileGeneration, readInstallState } from '@devportal/plugin-dynamic-plugins-node';

/** The file the installer writes into the root: each plugin's `pluginConfig`. */
const DYNAMIC_APP_CONFIG = 'app-config.dynamic-plugins.yaml';

/**
 * What a running backend took from the root at start: its backend plugins
 * (name, version, integrity or digest, folder fingerprint) and the plugins'
 * app-config. Two equal snapshots mean an install changed frontend plugins
 * only: the running backend serves them per request (the remotes list is
 * read from the installer state), so no new backend generation is needed.
 * A changed app-config counts as a backend change: the app's config is
 * injected into the page when the backend starts.
 */
export function backendSnapshot(root: string): string {
  const hash = crypto.createHash('sha256');
  const state = readInstallState(root);
  const records = Object.values(state?.plugins ?? {}).sort((a, b) => a.folder.localeCompare(b.folder));
  for (const record of records) {
    const role = installedRole(root, record.folder);
    if (role !== undefined && !isBackendRole(role)) continue;
    const fingerprint = (record as { folderFingerprint?: string }).folderFingerprint ?? '';
    hash.update(`${record.folder}\0${record.name}@${record.version}\0${record.integrity ?? record.digest ?? ''}\0${fingerprint}\n`);
  }
  try {
    hash.update(fs.readFileSync(path.join(root, DYNAMIC_APP_CONFIG)));
  } catch {
    hash.update('<no app-config>');
  }
  return hash.digest('hex');
}

/** The `backstage.role` of the package installed in `folder`, if it says. */
export function installedRole(root: string, folder: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, folder, 'package.json'), 'utf8'))?.backstage?.role;
  } catch {
    return undefined;
  }
}

/** The marketplace generation the root holds: from the layer file its last install read, or null. */
export function installedGeneration(root: string): number | null {
  const ids = (readInstallState(root)?.files ?? []).map(layerFileGeneration);
  const id = ids.find(value => value !== undefined) ?? 0;
  // Generation 0 is the empty layer a failed switch restores to: the base file alone.
  return id > 0 ? id : null;
}
