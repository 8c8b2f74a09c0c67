import Module from 'node:module';
import path from 'node:path';

/** A set of plugin folders made resolvable together (one loader run, one export check). */
export interface PluginPackageSet {
  /** The folder the plugin folders live in: requests from files below it get the plugin rules. */
  root: string;
  /** Package name → its folder. */
  packages: ReadonlyMap<string, string>;
}

/**
 * The resolution hook for dynamic plugin folders. Package sets can be added
 * and removed while it is installed, so a loader can run again (a new set of
 * plugins) without a new process; `uninstall` takes the hook out again.
 */
export interface DynamicPluginResolution {
  /** Makes a set of plugin folders resolvable; returns what removes it again. */
  add(set: PluginPackageSet): () => void;
  /** Removes the hook. Sets added before stop resolving. */
  uninstall(): void;
}

type ResolveFilename = (request: string, parent: { filename?: string | null } | undefined, ...rest: unknown[]) => string;

/**
 * Makes dynamic plugin folders resolvable the way installed packages are:
 *
 * - `require('<plugin name>')` and `require.resolve('<plugin name>/package.json')`
 *   from anywhere find the plugin's folder, so plugins that locate their
 *   migrations with `resolvePackagePath('<own name>', 'migrations')` work;
 * - `@backstage/*` packages required from inside a plugin folder resolve to the
 *   host's copy when the host has one, so a plugin that ships its own (older)
 *   `plugin-catalog-node` still shares the host's extension points and
 *   services instead of a second, disconnected copy;
 * - other packages a plugin does not bundle come from the host, wherever the
 *   root is on disk; what it bundles (its own `-node` libraries, say) comes
 *   from its own node_modules.
 *
 * The last set added wins when two sets name the same package.
 */
export function installDynamicPluginResolution(options: {
  /** Resolves a request as the host would. */
  hostResolve: (request: string) => string;
}): DynamicPluginResolution {
  const mod = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = mod._resolveFilename;
  const sets: Array<{ rootPrefix: string; packages: ReadonlyMap<string, string> }> = [];
  let installed = true;

  const hook: ResolveFilename = function resolveWithDynamicPlugins(this: unknown, request, parent, ...rest) {
    if (!installed || sets.length === 0) return original.call(this, request, parent, ...rest);
    const own = ownPackage(request, sets);
    if (own) {
      return original.call(this, path.join(own.folder, own.subpath), parent, ...rest);
    }
    const parentFile = parent?.filename ?? '';
    const fromPlugin = isBare(request) && sets.some(set => parentFile.startsWith(set.rootPrefix));
    if (fromPlugin && request.startsWith('@backstage/')) {
      try {
        return options.hostResolve(request);
      } catch {
        // the host does not have it: the plugin's own copy is used
      }
    }
    try {
      return original.call(this, request, parent, ...rest);
    } catch (error) {
      // Not bundled with the plugin: the host's shared dependencies
      // (express, knex, ...) are there for it, wherever the root is.
      if (fromPlugin && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') {
        return options.hostResolve(request);
      }
      throw error;
    }
  };
  mod._resolveFilename = hook;

  return {
    add(set) {
      const entry = { rootPrefix: path.resolve(set.root) + path.sep, packages: new Map(set.packages) };
      sets.push(entry);
      return () => {
        const index = sets.indexOf(entry);
        if (index >= 0) sets.splice(index, 1);
      };
    },
    uninstall() {
      installed = false;
      sets.length = 0;
      // Another hook installed after this one keeps calling ours, which now
      // passes every request through; only restore when ours is on top.
      if (mod._resolveFilename === hook) mod._resolveFilename = original;
    },
  };
}

const isBare = (request: string) =>
  !request.startsWith('.') && !path.isAbsolute(request) && !request.startsWith('node:');

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
export function packageNameOf(request: string): string {
  const parts = request.split('/');
  return request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function ownPackage(request: string, sets: Array<{ packages: ReadonlyMap<string, string> }>) {
  if (!isBare(request)) return undefined;
  const name = packageNameOf(request);
  for (let i = sets.length - 1; i >= 0; i--) {
    const folder = sets[i].packages.get(name);
    if (folder) return { folder, subpath: request.slice(name.length) };
  }
  return undefined;
}
