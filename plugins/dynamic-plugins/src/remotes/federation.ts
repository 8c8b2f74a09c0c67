import type { FrontendFeature, FrontendFeatureLoader } from '@backstage/frontend-plugin-api';
import { loadModuleFederationHostShared } from '@backstage/module-federation-common';
import type { FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';
import { createInstance, type ModuleFederation } from '@module-federation/runtime';
import type { PluginFailure } from '../apis/failures';
import { firstLine } from '../messages';
import { appSharedPackages } from './appShared';
import { externalRuntimePlugin } from './externalRuntime';
import { exposedModuleOf, remoteRequest, unexposedModuleNote } from './remotes';
import { getScalprumModule, type HostShared, type ScalprumContainers } from './scalprum';

export type Feature = FrontendFeature | FrontendFeatureLoader;
type Report = (failure: PluginFailure) => void;

/** A shared dependency the app provides, in the module federation runtime's terms. */
export type SharedEntry = HostShared[string] & { shareConfig: { singleton?: boolean; requiredVersion: string; eager: boolean } };

/** Loads one export of a plugin's remote (`*`: the whole module); rejects with a reason naming what is missing. */
export type ExportLoader = (module: string, importName: string) => Promise<unknown>;

const FEATURE_TYPES = ['@backstage/FrontendPlugin', '@backstage/FrontendModule', '@backstage/FrontendFeatureLoader'];

function isFrontendFeature(value: unknown): value is Feature {
  return !!value && typeof value === 'object' && FEATURE_TYPES.includes((value as { $$type?: string }).$$type ?? '');
}

/**
 * The app's shared singletons: what the Backstage build shares (react,
 * react-router, MUI styles), taken from the build, plus DevPortal's
 * `APP_SHARED_PACKAGES`. Fetched per load, never kept.
 */
export async function hostShared(report: Report): Promise<Record<string, SharedEntry>> {
  return {
    ...(await loadModuleFederationHostShared({
      onError: error => report({ packageName: 'shared dependencies', message: error.message }),
    })),
    ...appSharedPackages(),
  };
}

/** A module federation instance for the remotes that are not RHDH (Scalprum) containers. */
export function createFederation(remotes: FrontendRemote[], shared: Record<string, SharedEntry>, report: Report): ModuleFederation | undefined {
  try {
    return createInstance({
      name: 'devportal_app',
      remotes: remotes.filter(r => !r.scalprum).map(r => ({ name: r.remoteInfo.name, entry: r.remoteInfo.entry })),
      shared,
      // Remotes exported by DevPortal leave the runtime to the app.
      plugins: [externalRuntimePlugin()],
    });
  } catch (error) {
    report({ packageName: 'module federation runtime', message: firstLine(error) });
    return undefined;
  }
}

/**
 * Loads `importName` from a remote's exposed `module` (RHDH's default module
 * `PluginRoot` is the package entry `.` for remotes that do not expose it).
 * `listed`: the backend lists the remote but this app refused it.
 */
export function exportLoader(federation: ModuleFederation | undefined, remote: FrontendRemote | undefined, listed: boolean): ExportLoader {
  const cache = new Map<string, Promise<Record<string, unknown>>>();
  return async (module, importName) => {
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
    try {
      return pickExport(await loading, module, importName, { orOnDefault: true });
    } catch (error) {
      const note = unexposedModuleNote(remote, module);
      throw note ? new Error(`${(error as Error).message}: ${note}`) : error;
    }
  };
}

/** Loads exports of an RHDH-format (Scalprum) remote from its webpack container. */
export function scalprumLoader(containers: ScalprumContainers, remote: FrontendRemote, shared: HostShared): ExportLoader {
  return async (module, importName) => {
    const container = await containers.load(remote.remoteInfo.name, remote.scalprum!.loadScripts, shared);
    return pickExport(await getScalprumModule(container, module), module, importName, { orOnDefault: false });
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

/** A new-frontend-system plugin's feature definitions, loaded now (no manifest to stand in from). */
export async function loadRemoteFeatures(federation: ModuleFederation, remote: FrontendRemote, report: Report): Promise<Feature[]> {
  // A package exposing `./alpha` keeps its new-frontend-system plugin there.
  const exposed = remote.exposedModules.includes('./alpha') || remote.exposedModules.includes('alpha')
    ? remote.exposedModules.filter(m => /^(\.\/)?alpha$/.test(m))
    : remote.exposedModules.filter(m => m === '.' || m === './');
  const features: Feature[] = [];
  for (const name of exposed.length > 0 ? exposed : remote.exposedModules) {
    try {
      const module = await federation.loadRemote<{ default?: unknown }>(remoteRequest(remote.remoteInfo.name, name));
      if (isFrontendFeature(module?.default)) features.push(module!.default);
      else report({ packageName: remote.packageName, message: `${name} does not export a frontend feature as default; legacy plugins need dynamicPlugins.frontend wiring` });
    } catch (error) {
      report({ packageName: remote.packageName, message: `its code could not be loaded (${name}): ${firstLine(error)}` });
    }
  }
  return features;
}
