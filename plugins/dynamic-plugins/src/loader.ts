import {
  createFrontendFeatureLoader,
  type AnyApiFactory,
  type FrontendFeature,
  type FrontendFeatureLoader,
} from '@backstage/frontend-plugin-api';
import type { Config } from '@backstage/config';
import { loadModuleFederationHostShared } from '@backstage/module-federation-common';
import { createInstance, type ModuleFederation } from '@module-federation/runtime';
import { appSharedPackages } from './appShared';
import { externalRuntimePlugin } from './externalRuntime';
import { recordFailure } from './failures';
import { deferredApiFactory, type RealApiFactory } from './deferredApi';
import { fallbackHomeModule } from './fallbackHome';
import { lazyPlugin } from './lazyPlugin';
import { getScalprumModule, loadScalprumContainer, type HostShared } from './scalprum';
import { fetchRemotes, incompatibleSingletons, remoteRequest, type FrontendRemote } from './remotes';
import { readWiring, scalprumName, withShippedWiring, type PluginWiring } from './wiring/config';
import { createRouteBinder } from './wiring/routeBindings';
import type { ExportLoader } from './wiring/LazyExport';
import { wiredFeatures, type WiredRemote } from './wiring/wiredPlugins';

type Feature = FrontendFeature | FrontendFeatureLoader;
const FEATURE_TYPES = ['@backstage/FrontendPlugin', '@backstage/FrontendModule', '@backstage/FrontendFeatureLoader'];

function isFrontendFeature(value: unknown): value is Feature {
  return !!value && typeof value === 'object' && FEATURE_TYPES.includes((value as { $$type?: string }).$$type ?? '');
}

export interface DynamicFrontendFeaturesLoaderOptions {
  /** Lets tests and other hosts pass their own fetch. */
  fetch?: typeof fetch;
}

/**
 * Loads the dynamic frontend plugins the backend lists, as module federation
 * remotes, and hands their features to the app. Same contract as
 * `@backstage/frontend-dynamic-feature-loader` (not in the registry DevPortal
 * builds from): remotes from `/.backstage/dynamic-features/remotes`, shared
 * singletons from the app build, each exposed module's default export a
 * FrontendFeature.
 *
 * Plugins with RHDH wiring (`dynamicPlugins.frontend.<name>`) are legacy
 * plugins: their pages, cards and tabs are built from the wiring and their
 * code is fetched only when one of them renders. Plugins without wiring are
 * new-frontend-system plugins: those exported with an extension manifest
 * join the app as stand-ins built from it, their code fetched when one of
 * their elements renders; the others (and those whose routes or nav items
 * `app.extensions` config changes, which only their own code can apply)
 * have their feature definitions loaded now.
 *
 * Failures are per plugin: a remote that cannot be fetched, is built against
 * another major of a singleton, or exports no feature is recorded for the
 * error panel and skipped; the rest of the app starts. When no dynamic plugin
 * provides `home`, a plain page takes `/`.
 */
export function dynamicFrontendFeaturesLoader(options: DynamicFrontendFeaturesLoaderOptions = {}): FrontendFeatureLoader {
  return createFrontendFeatureLoader({
    async loader({ config }) {
      let remotes: FrontendRemote[] = [];
      try {
        remotes = await fetchRemotes(config.getString('backend.baseUrl'), options.fetch);
      } catch (error) {
        recordFailure({ packageName: 'all dynamic frontend plugins', message: firstLine(error) });
      }
      const wirings = withShippedWiring(readWiring(config, onProblem), remotes.map(r => r.defaultWiring), onProblem);
      const features = await loadAll(remotes, wirings, configuredExtensions(config));
      const hasHome = features.some(f => f.$$type === '@backstage/FrontendPlugin' && (f as { id?: string }).id === 'home');
      if (!hasHome) features.push(fallbackHomeModule);
      return features;
    },
  });
}

async function loadAll(remotes: FrontendRemote[], wirings: PluginWiring[], configured: Map<string, string[]>): Promise<Feature[]> {
  const shared =
    remotes.length === 0
      ? {}
      : {
          ...(await loadModuleFederationHostShared({
            onError: error => recordFailure({ packageName: 'shared dependencies', message: error.message }),
          })),
          ...appSharedPackages(),
        };
  const usable = remotes.filter(remote => {
    const problems = incompatibleSingletons(remote, shared);
    if (problems.length === 0) return true;
    recordFailure({
      packageName: remote.packageName,
      message: `refused: built against ${problems.join(', ')}; rebuild it against this portal's versions`,
    });
    return false;
  });
  let federation: ModuleFederation | undefined;
  try {
    federation = createInstance({
      name: 'devportal_app',
      remotes: usable.filter(r => !r.scalprum).map(r => ({ name: r.remoteInfo.name, entry: r.remoteInfo.entry })),
      shared,
      // Remotes exported by DevPortal leave the runtime to the app.
      plugins: [externalRuntimePlugin()],
    });
  } catch (error) {
    recordFailure({ packageName: 'module federation runtime', message: firstLine(error) });
  }

  const byScalprumName = new Map(usable.map(r => [scalprumName(r.packageName), r]));
  const wired = new Set(wirings.map(w => w.scalprumName));
  const features: Feature[] = [];

  // New frontend system plugins: stand-ins from their extension manifests,
  // else their feature definitions, now. (RHDH's Scalprum-format plugins are
  // always legacy plugins, wired by config.)
  const nfs = usable.filter(r => !r.scalprum && !wired.has(scalprumName(r.packageName)));
  for (const remote of usable.filter(r => r.scalprum && !wired.has(scalprumName(r.packageName)))) {
    recordFailure({ packageName: remote.packageName, message: 'an RHDH-format plugin with no dynamicPlugins.frontend wiring: nothing of it is shown' });
  }
  if (federation) {
    const eager: FrontendRemote[] = [];
    for (const remote of nfs) {
      const stoodIn = standIn(federation, remote, configured);
      if (stoodIn) features.push(stoodIn);
      else eager.push(remote);
    }
    const loaded = await Promise.all(eager.map(remote => loadRemoteFeatures(federation!, remote)));
    features.push(...loaded.flat());
  }

  // Legacy plugins: built from their wiring, code on render.
  const wiredRemotes: WiredRemote[] = await Promise.all(
    wirings.map(async wiring => {
      const remote = byScalprumName.get(wiring.scalprumName);
      const listed = remotes.some(r => scalprumName(r.packageName) === wiring.scalprumName);
      const baseLoad = remote?.scalprum ? scalprumLoader(remote, shared) : exportLoader(federation, remote, listed);
      const { load, deferred } = withDeferredApis(remote, wiring, baseLoad);
      const apiFactories: AnyApiFactory[] = [...deferred];
      for (const api of wiring.apiFactories.filter(a => !deferred.some(d => d.importName === a.importName))) {
        try {
          apiFactories.push((await load(api.module, api.importName)) as AnyApiFactory);
        } catch (error) {
          recordFailure({ packageName: remote?.packageName ?? wiring.scalprumName, message: `API factory ${api.importName}: ${firstLine(error)}` });
        }
      }
      return { wiring, label: remote?.packageName ?? wiring.scalprumName, load, apiFactories };
    }),
  );
  const bindRoutes = createRouteBinder(wiredRemotes, onProblem);
  const anyBindings = wiredRemotes.some(r => r.wiring.routeBindings.bindings.length > 0);
  for (const remote of anyBindings ? wiredRemotes : []) {
    let aliases: ReturnType<typeof bindRoutes> | undefined;
    remote.routeAliases = appPlugins =>
      (aliases ??= bindRoutes(remote, appPlugins()).catch(error => {
        // Unbound routes render as missing links; the plugin still renders.
        onProblem(remote.label, `routeBindings: ${firstLine(error)}`);
        return new Map();
      }));
  }
  features.push(...wiredFeatures(wiredRemotes, onProblem));
  return features;
}

/**
 * The `apiFactories` of a legacy plugin whose export described them (API and
 * dependency ids, in its extension manifest) are registered without its
 * code; whenever its code loads, their real factories are read before any of
 * its components renders, so those components get the real APIs. The rest
 * are loaded now, as the app needs every API factory up front.
 */
function withDeferredApis(remote: FrontendRemote | undefined, wiring: PluginWiring, baseLoad: ExportLoader) {
  const manifest = remote?.extensions?.feature === 'legacy' ? remote.extensions : undefined;
  const real = new Map<string, RealApiFactory>();
  const deferred: Array<AnyApiFactory & { importName: string }> = [];
  const describedHere = wiring.apiFactories.filter(
    api => manifest?.apiFactories[api.importName] && exposedModuleOf(remote!, api.module) === manifest.module,
  );
  const loadReal = async (api: { module: string; importName: string }) => {
    const factory = (await baseLoad(api.module, api.importName)) as RealApiFactory;
    real.set(api.importName, factory);
    return factory;
  };
  for (const api of describedHere) {
    const factory = deferredApiFactory(manifest!.apiFactories[api.importName], () => real.get(api.importName), () => loadReal(api));
    deferred.push(Object.assign(factory, { importName: api.importName }));
  }
  if (deferred.length === 0) return { load: baseLoad, deferred };
  const load: ExportLoader = async (module, importName) => {
    const value = await baseLoad(module, importName);
    // A factory that cannot be read is not this component's problem: its
    // API's calls fail instead (see deferredApiFactory).
    await Promise.all(describedHere.filter(api => !real.has(api.importName)).map(api => loadReal(api).catch(() => undefined)));
    return value;
  };
  return { load, deferred };
}

/** The exposed module a wiring `module` names (RHDH's default `PluginRoot` is the package entry `.`). */
function exposedModuleOf(remote: FrontendRemote, module: string): string {
  return [module, `./${module}`].find(m => remote.exposedModules.includes(m)) ?? '.';
}

/**
 * Loads `importName` from a remote's exposed `module` (RHDH's default module
 * `PluginRoot` is the package entry `.` for remotes that do not expose it).
 */
function exportLoader(federation: ModuleFederation | undefined, remote: FrontendRemote | undefined, listed: boolean) {
  const cache = new Map<string, Promise<Record<string, unknown>>>();
  return async (module: string, importName: string): Promise<unknown> => {
    if (!federation || !remote) {
      throw new Error(
        listed
          ? 'its code is refused by this app (see the panel above)'
          : 'its code is not served: the plugin is not installed, disabled, or failed on the server (GET /api/dynamic-plugins/status says why)',
      );
    }
    const exposed = exposedModuleOf(remote, module);
    let loading = cache.get(exposed);
    if (!loading) {
      loading = federation.loadRemote<Record<string, unknown>>(remoteRequest(remote.remoteInfo.name, exposed)).then(m => {
        if (!m) throw new Error(`its module ${exposed} did not load`);
        return m;
      });
      cache.set(exposed, loading);
      loading.catch(() => cache.delete(exposed));
    }
    // Module federation remotes may hang named exports off a default object.
    return pickExport(await loading, module, importName, { orOnDefault: true });
  };
}

/** `importName` of a loaded module (`*`: the module itself); rejects naming what is missing. */
function pickExport(mod: Record<string, unknown>, module: string, importName: string, options: { orOnDefault: boolean }): unknown {
  if (importName === '*') return mod;
  let value = importName === 'default' ? mod.default : mod[importName];
  if (value === undefined && options.orOnDefault && importName !== 'default') value = (mod.default as Record<string, unknown>)?.[importName];
  if (value === undefined) throw new Error(`its module ${module} has no export '${importName}'`);
  return value;
}

function scalprumLoader(remote: FrontendRemote, shared: HostShared) {
  return async (module: string, importName: string): Promise<unknown> => {
    const container = await loadScalprumContainer(remote.remoteInfo.name, remote.scalprum!.loadScripts, shared);
    return pickExport(await getScalprumModule(container, module), module, importName, { orOnDefault: false });
  };
}

/**
 * The stand-in for a plugin with an extension manifest, unless config for
 * one of its extensions needs the real code at boot.
 */
function standIn(federation: ModuleFederation, remote: FrontendRemote, configured: Map<string, string[]>): Feature | undefined {
  const manifest = remote.extensions;
  if (!manifest || manifest.feature === 'legacy') return undefined;
  // Config the real factory applies to the element alone (a page's title
  // text) reaches it on first render; config that moves a route or renames a
  // nav item is needed while the app assembles.
  const needsCode = manifest.extensions.some(e => configured.get(e.id)?.some(key => !e.configAffects || e.configAffects.includes(key)));
  if (needsCode) return undefined;
  try {
    return lazyPlugin(manifest, {
      label: remote.packageName,
      load: () => federation.loadRemote(remoteRequest(remote.remoteInfo.name, manifest.module)),
    });
  } catch (error) {
    // eslint-disable-next-line no-console
    console.warn(`${remote.packageName}: loaded at boot: ${firstLine(error)}`);
    return undefined;
  }
}

/** The extensions `app.extensions` gives config to, with the config keys it sets. */
export function configuredExtensions(config: Config): Map<string, string[]> {
  const configured = new Map<string, string[]>();
  for (const entry of config.getOptional<unknown[]>('app.extensions') ?? []) {
    if (!entry || typeof entry !== 'object') continue;
    for (const [id, value] of Object.entries(entry)) {
      const extensionConfig = value && typeof value === 'object' ? (value as { config?: unknown }).config : undefined;
      if (extensionConfig && typeof extensionConfig === 'object') {
        configured.set(id, [...(configured.get(id) ?? []), ...Object.keys(extensionConfig)]);
      }
    }
  }
  return configured;
}

async function loadRemoteFeatures(federation: ModuleFederation, remote: FrontendRemote): Promise<Feature[]> {
  // A package exposing `./alpha` keeps its new-frontend-system plugin there.
  const exposed = remote.exposedModules.includes('./alpha') || remote.exposedModules.includes('alpha')
    ? remote.exposedModules.filter(m => /^(\.\/)?alpha$/.test(m))
    : remote.exposedModules.filter(m => m === '.' || m === './');
  const features: Feature[] = [];
  for (const name of exposed.length > 0 ? exposed : remote.exposedModules) {
    try {
      const module = await federation.loadRemote<{ default?: unknown }>(remoteRequest(remote.remoteInfo.name, name));
      if (isFrontendFeature(module?.default)) features.push(module!.default);
      else recordFailure({ packageName: remote.packageName, message: `${name} does not export a frontend feature as default; legacy plugins need dynamicPlugins.frontend wiring` });
    } catch (error) {
      recordFailure({ packageName: remote.packageName, message: `its code could not be loaded (${name}): ${firstLine(error)}` });
    }
  }
  return features;
}

/** Records a problem of one plugin for the failures panel. */
function onProblem(packageName: string, message: string) {
  recordFailure({ packageName, message });
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
