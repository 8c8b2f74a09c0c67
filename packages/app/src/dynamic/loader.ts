import {
  createFrontendFeatureLoader,
  type FrontendFeature,
  type FrontendFeatureLoader,
} from '@backstage/frontend-plugin-api';
import { loadModuleFederationHostShared } from '@backstage/module-federation-common';
import { createInstance, type ModuleFederation } from '@module-federation/runtime';
import { recordFailure } from './failures';
import { fetchRemotes, incompatibleSingletons, remoteRequest, type FrontendRemote } from './remotes';
import { fallbackHomeModule } from './fallbackHome';

const FEATURE_TYPES = ['@backstage/FrontendPlugin', '@backstage/FrontendModule', '@backstage/FrontendFeatureLoader'];

function isFrontendFeature(value: unknown): value is FrontendFeature | FrontendFeatureLoader {
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
 * Failures are per plugin: a remote that cannot be fetched, is built against
 * another major of a singleton, or exports no feature is recorded for the
 * error panel and skipped; the rest of the app starts. When no dynamic plugin
 * provides `home`, a plain page takes `/`.
 */
export function dynamicFrontendFeaturesLoader(options: DynamicFrontendFeaturesLoaderOptions = {}): FrontendFeatureLoader {
  return createFrontendFeatureLoader({
    async loader({ config }) {
      const features: Array<FrontendFeature | FrontendFeatureLoader> = [];
      let remotes: FrontendRemote[] = [];
      try {
        remotes = await fetchRemotes(config.getString('backend.baseUrl'), options.fetch);
      } catch (error) {
        recordFailure({ packageName: 'all dynamic frontend plugins', message: String((error as Error).message ?? error) });
      }
      if (remotes.length > 0) {
        features.push(...(await loadRemotes(remotes)));
      }
      if (!features.some(f => (f as { $$type?: string; id?: string }).$$type === '@backstage/FrontendPlugin' && (f as { id?: string }).id === 'home')) {
        features.push(fallbackHomeModule);
      }
      return features;
    },
  });
}

async function loadRemotes(remotes: FrontendRemote[]): Promise<Array<FrontendFeature | FrontendFeatureLoader>> {
  const shared = await loadModuleFederationHostShared({
    onError: error => recordFailure({ packageName: 'shared dependencies', message: error.message }),
  });
  const usable = remotes.filter(remote => {
    const problems = incompatibleSingletons(remote, shared);
    if (problems.length === 0) return true;
    recordFailure({
      packageName: remote.packageName,
      message: `refused: built against ${problems.join(', ')}; rebuild it against this portal's versions`,
    });
    return false;
  });
  let federation: ModuleFederation;
  try {
    federation = createInstance({
      name: 'devportal_app',
      remotes: usable.map(r => ({ name: r.remoteInfo.name, entry: r.remoteInfo.entry })),
      shared,
    });
  } catch (error) {
    recordFailure({ packageName: 'module federation runtime', message: String((error as Error).message) });
    return [];
  }
  const loaded = await Promise.all(usable.map(remote => loadRemoteFeatures(federation, remote)));
  return loaded.flat();
}

async function loadRemoteFeatures(
  federation: ModuleFederation,
  remote: FrontendRemote,
): Promise<Array<FrontendFeature | FrontendFeatureLoader>> {
  const features: Array<FrontendFeature | FrontendFeatureLoader> = [];
  for (const exposed of remote.exposedModules) {
    try {
      const module = await federation.loadRemote<{ default?: unknown }>(remoteRequest(remote.remoteInfo.name, exposed));
      const feature = module?.default;
      if (isFrontendFeature(feature)) {
        features.push(feature);
      } else if (exposed === '.' || exposed === './alpha') {
        // Legacy plugins are wired by configuration instead (see legacy.ts).
        // eslint-disable-next-line no-console
        console.info(`Dynamic plugin ${remote.packageName}: ${exposed} has no default frontend feature`);
      }
    } catch (error) {
      recordFailure({
        packageName: remote.packageName,
        message: `its code could not be loaded (${exposed}): ${firstLine(error)}`,
      });
    }
  }
  return features;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split('\n')[0];
}
