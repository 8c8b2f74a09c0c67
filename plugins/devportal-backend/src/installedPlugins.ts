import fs from 'node:fs/promises';
import path from 'node:path';

/** One package found in the dynamic plugins root. */
export interface InstalledPlugin {
  /** The folder name inside the root. */
  folder: string;
  name: string;
  version: string;
  /** The Backstage role from package.json, such as `backend-plugin`. */
  role?: string;
}

/**
 * Lists the plugin packages in a dynamic plugins root.
 *
 * A missing root is an empty list: a portal with no dynamic plugins is valid.
 * Folders without a readable package.json are skipped, since the installer
 * stages work in hidden folders that are not plugins.
 */
export async function listInstalledPlugins(root: string): Promise<InstalledPlugin[]> {
  let entries;
  try {
    entries = await fs.readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const plugins: InstalledPlugin[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    try {
      const raw = await fs.readFile(path.join(root, entry.name, 'package.json'), 'utf8');
      const pkg = JSON.parse(raw);
      plugins.push({
        folder: entry.name,
        name: String(pkg.name),
        version: String(pkg.version),
        role: pkg.backstage?.role,
      });
    } catch {
      // not a plugin package
    }
  }
  return plugins.sort((a, b) => a.folder.localeCompare(b.folder));
}
