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
 * - `@backstage/<package>/alpha` required from inside a plugin folder gives
 *   the host's alpha exports plus the names the host package's main entry
 *   exports and alpha does not (alpha wins a name both have): Backstage moves
 *   APIs from `/alpha` to the main entry when it stabilises them
 *   (`catalogProcessingExtensionPoint`, `scaffolderActionsExtensionPoint`), so
 *   a plugin built before the move still finds them where it looks;
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
  /** Host alpha file → what plugins get for it: the file itself, or a merged module. */
  const alphaEntries = new Map<string, { file: string; module?: NodeModule }>();

  /**
   * The host's `<package>/alpha` file, or, when the package's main entry
   * exports names alpha does not, a module (in the require cache under a
   * name of its own) with alpha's exports and those names.
   */
  const alphaWithMovedExports = (request: string, hostFile: string): string => {
    const match = ALPHA_ENTRY.exec(request);
    if (!match) return hostFile;
    let entry = alphaEntries.get(hostFile);
    if (!entry) {
      let mainFile: string;
      try {
        mainFile = options.hostResolve(match[1]);
      } catch {
        return hostFile;
      }
      const load = (file: string) => Module.createRequire(file)(file) as Record<string, unknown>;
      let merged: Record<string, unknown> | undefined;
      try {
        merged = withMovedExports(load(hostFile), load(mainFile));
      } catch {
        // An entry that does not load: the plugin's own require says why.
        return hostFile;
      }
      if (!merged) {
        entry = { file: hostFile };
      } else {
        const file = path.join(path.dirname(hostFile), `${path.basename(hostFile)}+main-entry`);
        const module = new Module(file) as NodeModule;
        module.filename = file;
        module.loaded = true;
        module.exports = merged;
        entry = { file, module };
      }
      alphaEntries.set(hostFile, entry);
    }
    const cache = (Module as unknown as { _cache: Record<string, NodeModule> })._cache;
    if (entry.module && cache[entry.file] !== entry.module) cache[entry.file] = entry.module;
    return entry.file;
  };

  const hook: ResolveFilename = function resolveWithDynamicPlugins(this: unknown, request, parent, ...rest) {
    if (!installed || sets.length === 0) return original.call(this, request, parent, ...rest);
    const own = ownPackage(request, sets);
    if (own) {
      return original.call(this, path.join(own.folder, own.subpath), parent, ...rest);
    }
    const parentFile = parent?.filename ?? '';
    const fromPlugin = isBare(request) && sets.some(set => parentFile.startsWith(set.rootPrefix));
    if (fromPlugin && request.startsWith('@backstage/')) {
      let hostFile: string | undefined;
      try {
        hostFile = options.hostResolve(request);
      } catch {
        // the host does not have it: the plugin's own copy is used
      }
      if (hostFile) return alphaWithMovedExports(request, hostFile);
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

/** `@backstage/<package>/alpha`: the package is group 1. */
const ALPHA_ENTRY = /^(@backstage\/[^/]+)\/alpha$/;

/**
 * Alpha's exports plus the main entry's names alpha lacks, read through to
 * the host's modules (a getter per name, so nothing is copied or frozen);
 * undefined when the main entry adds nothing.
 */
export function withMovedExports(alpha: Record<string, unknown>, main: Record<string, unknown>): Record<string, unknown> | undefined {
  // A default export is the entry's own, not an API that moved.
  const moved = Object.keys(main).filter(name => name !== 'default' && name !== '__esModule' && !(name in alpha));
  if (moved.length === 0) return undefined;
  const merged: Record<string, unknown> = {};
  const expose = (source: Record<string, unknown>, name: string) =>
    Object.defineProperty(merged, name, { enumerable: true, get: () => source[name] });
  for (const name of Object.keys(alpha)) expose(alpha, name);
  for (const name of moved) expose(main, name);
  if (alpha.__esModule) Object.defineProperty(merged, '__esModule', { value: true });
  return merged;
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
