import fs from 'node:fs/promises';
import path from 'node:path';
import type { InstalledPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { readInstallState } from './installerState';

/**
 * The plugins the installer says are installed and enabled, with the name,
 * version and role their package.json gives: a folder left in the root by a
 * plugin that is now disabled is not listed (nor loaded). No state (no
 * install has run) is an empty list.
 */
export async function listInstalledPlugins(root: string): Promise<InstalledPlugin[]> {
  const state = readInstallState(root);
  if (!state) return [];
  const plugins: InstalledPlugin[] = [];
  for (const record of Object.values(state.plugins)) {
    try {
      const pkg = JSON.parse(await fs.readFile(path.join(root, record.folder, 'package.json'), 'utf8'));
      plugins.push({
        folder: record.folder,
        name: String(pkg.name),
        version: String(pkg.version),
        role: pkg.backstage?.role,
        source: record.source,
      });
    } catch {
      plugins.push({ folder: record.folder, name: record.package, version: '', source: record.source });
    }
  }
  return plugins.sort((a, b) => a.folder.localeCompare(b.folder));
}
