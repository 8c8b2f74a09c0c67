import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Removes from `<dir>/node_modules` every package the plugin cannot reach
 * without going through a package the host provides. npm installs the whole
 * tree of each private dependency, including what hangs below the
 * `@backstage/*` packages that the loader takes from the host anyway, and
 * type declarations that plugins list as dependencies; that is dead weight.
 */
export async function pruneUnreachable(dir: string, roots: string[], hostProvides: (name: string) => boolean) {
  const reachable = new Set<string>();
  const visit = async (name: string, fromDir: string) => {
    // Type declarations (`@types/*`, and what only they pull in, such as
    // undici-types) are never loaded at run time.
    if (hostProvides(name) || name.startsWith('@types/')) return;
    const location = await locate(name, fromDir, dir);
    if (!location || reachable.has(location)) return;
    reachable.add(location);
    const pkg = JSON.parse(await fs.readFile(path.join(location, 'package.json'), 'utf8').catch(() => '{}'));
    for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      await visit(dep, location);
    }
  };
  for (const name of roots) await visit(name, dir);

  let removed = 0;
  const sweep = async (modules: string) => {
    for (const entry of await fs.readdir(modules).catch(() => [] as string[])) {
      if (entry.startsWith('.')) continue;
      const names = entry.startsWith('@')
        ? (await fs.readdir(path.join(modules, entry)).catch(() => [] as string[])).map(n => path.join(entry, n))
        : [entry];
      for (const name of names) {
        const location = path.join(modules, name);
        if (reachable.has(location)) {
          await sweep(path.join(location, 'node_modules'));
        } else {
          await fs.rm(location, { recursive: true, force: true });
          removed++;
        }
      }
    }
  };
  await sweep(path.join(dir, 'node_modules'));
  return removed;
}

/** Node's lookup: the nearest node_modules from `fromDir` up to the package root. */
async function locate(name: string, fromDir: string, top: string): Promise<string | undefined> {
  for (let current = fromDir; ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', name);
    if (await fs.stat(path.join(candidate, 'package.json')).then(() => true, () => false)) return candidate;
    if (current === top || current === path.dirname(current)) return undefined;
  }
}
