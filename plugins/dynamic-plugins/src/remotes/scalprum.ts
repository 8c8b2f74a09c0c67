/**
 * RHDH's frontend format: a plain webpack module federation container that
 * registers itself by calling `window.__load_plugin_entry__(name, container)`
 * (Scalprum's "callback" registration). DevPortal loads it without Scalprum:
 * inject its scripts, take the container from the callback, initialise it
 * with a webpack share scope holding the app's singletons (react,
 * react-router, MUI styles), then `container.get(module)`.
 */
export interface WebpackContainer {
  init(shareScope: ShareScope): Promise<void> | void;
  get(module: string): Promise<() => Record<string, unknown>>;
}

type ShareScope = Record<string, Record<string, { get: () => Promise<() => unknown>; from: string; eager: boolean; loaded?: 1 }>>;

export interface HostShared {
  [name: string]: { version: string; lib?: () => unknown; get?: () => Promise<() => unknown> };
}

const CALLBACK = '__load_plugin_entry__';

/**
 * Scalprum's registration callback is one global. Each set of containers
 * puts its own in front of the one it found and passes on the names it does
 * not wait for, so two loads (two apps in a page, or a load after a live
 * apply) each get their containers.
 */
function installCallback(waiting: Map<string, (container: WebpackContainer) => void>) {
  const w = window as unknown as Record<string, unknown>;
  const previous = w[CALLBACK] as ((name: string, c: WebpackContainer) => void) | undefined;
  w[CALLBACK] = (name: string, container: WebpackContainer) => {
    const resolve = waiting.get(name);
    if (resolve) resolve(container);
    else previous?.(name, container);
  };
}

function injectScript(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = url;
    script.async = true;
    script.onload = () => resolve();
    script.onerror = () => reject(new Error(`its script ${url} could not be loaded`));
    document.head.appendChild(script);
  });
}

/** The app's shared singletons in webpack's share scope format. */
export function shareScopeFrom(shared: HostShared): ShareScope {
  const scope: ShareScope = {};
  for (const [name, dep] of Object.entries(shared)) {
    if (dep.get) {
      scope[name] = { [dep.version]: { get: dep.get, from: 'devportal-app', eager: false } };
    } else if (dep.lib) {
      const module = dep.lib();
      scope[name] = { [dep.version]: { get: () => Promise.resolve(() => module), from: 'devportal-app', eager: true, loaded: 1 } };
    }
  }
  return scope;
}

export interface ScalprumContainers {
  /** The container `name` registers, its scripts injected and share scope initialised on first call. */
  load(name: string, loadScripts: string[], shared: HostShared): Promise<WebpackContainer>;
}

/** The RHDH-format containers of one load of the app's dynamic plugins. */
export function createScalprumContainers(): ScalprumContainers {
  const waiting = new Map<string, (container: WebpackContainer) => void>();
  const containers = new Map<string, Promise<WebpackContainer>>();
  let installed = false;
  return {
    load(name, loadScripts, shared) {
      let loading = containers.get(name);
      if (loading) return loading;
      if (!installed) installCallback(waiting);
      installed = true;
      loading = (async () => {
        const registered = new Promise<WebpackContainer>((resolve, reject) => {
          waiting.set(name, resolve);
          setTimeout(() => reject(new Error(`its scripts did not register the container '${name}'`)), 30_000);
        });
        await Promise.all(loadScripts.map(injectScript));
        const container = await registered;
        waiting.delete(name);
        await container.init(shareScopeFrom(shared));
        return container;
      })();
      containers.set(name, loading);
      loading.catch(() => containers.delete(name));
      return loading;
    },
  };
}

/** One exposed module of a container; Scalprum modules are named with or without `./`. */
export async function getScalprumModule(container: WebpackContainer, module: string): Promise<Record<string, unknown>> {
  let factory: (() => Record<string, unknown>) | undefined;
  let firstError: unknown;
  for (const candidate of [module, `./${module}`]) {
    try {
      factory = await container.get(candidate);
      break;
    } catch (error) {
      firstError ??= error;
    }
  }
  if (!factory) throw firstError instanceof Error ? firstError : new Error(`no module ${module}`);
  return factory();
}
