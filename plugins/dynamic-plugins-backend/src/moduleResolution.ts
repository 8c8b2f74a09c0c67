import Module from 'node:module';
import path from 'node:path';

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
 *   root is on disk.
 */
export function installDynamicPluginResolution(options: {
  root: string;
  /** Package name → its folder in the root. */
  packages: Map<string, string>;
  /** Resolves a request as the host would. */
  hostResolve: (request: string) => string;
}): () => void {
  const mod = Module as unknown as {
    _resolveFilename(request: string, parent: { filename?: string } | undefined, ...rest: unknown[]): string;
  };
  const original = mod._resolveFilename;
  const rootPrefix = path.resolve(options.root) + path.sep;
  mod._resolveFilename = function resolveWithDynamicPlugins(request, parent, ...rest) {
    const own = ownPackage(request, options.packages);
    if (own) {
      return original.call(this, path.join(own.folder, own.subpath), parent, ...rest);
    }
    const fromPlugin = !!parent?.filename?.startsWith(rootPrefix) && isBare(request);
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
  return () => {
    mod._resolveFilename = original;
  };
}

const isBare = (request: string) => !request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:');

function ownPackage(request: string, packages: Map<string, string>) {
  const parts = request.split('/');
  const name = request.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  const folder = packages.get(name);
  if (!folder) return undefined;
  return { folder, subpath: request.slice(name.length) || '' };
}
