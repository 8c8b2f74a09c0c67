import fs from 'node:fs/promises';
import path from 'node:path';
import { readInstalledPlugins } from '@devportal/plugin-dynamic-plugins-backend';

/** One enabled plugin installed in the dynamic plugins root. */
export interface InstalledPlugin {
  /** The folder name inside the root. */
  folder: string;
  name: string;
  version: string;
  /** The Backstage role from package.json, such as `backend-plugin`. */
  role?: string;
  /** Where the installer got it: `local` (bundled), `npm` or `oci`. */
  source: string;
}

/**
 * The plugins the installer says are installed and enabled, read through the
 * same state file the loader uses: a folder left in the root by a plugin
 * that is now disabled is not listed (nor loaded). No state (no install has
 * run) is an empty list.
 */
export async function listInstalledPlugins(root: string): Promise<InstalledPlugin[]> {
  const installed = readInstalledPlugins(root);
  if (!installed) return [];
  const plugins: InstalledPlugin[] = [];
  for (const record of installed.plugins) {
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
