import fs from 'node:fs/promises';
import path from 'node:path';

interface ListOptions {
  root: string;
  json?: boolean;
}

/** Lists the packages in the dynamic plugins root. */
export async function listCommand(options: ListOptions) {
  const root = path.resolve(options.root);
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  const plugins = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    try {
      const pkg = JSON.parse(await fs.readFile(path.join(root, entry.name, 'package.json'), 'utf8'));
      plugins.push({ folder: entry.name, name: pkg.name, version: pkg.version });
    } catch {
      // not a package folder
    }
  }
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ root, plugins })}\n`);
    return;
  }
  if (plugins.length === 0) {
    process.stdout.write(`No plugins installed in ${root}\n`);
    return;
  }
  for (const p of plugins) {
    process.stdout.write(`${p.name}@${p.version}\t${p.folder}\n`);
  }
}
