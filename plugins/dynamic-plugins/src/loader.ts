import { createFrontendFeatureLoader, type FrontendFeatureLoader } from '@backstage/frontend-plugin-api';
import type { Config } from '@backstage/config';
import type { FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';
import { DynamicPluginsClient } from './apis/dynamicPlugins';
import { PluginFailures } from './apis/failures';
import { MenuOrder } from './apis/menuOrder';
import { dynamicPluginsApisPlugin, type DynamicPluginsState } from './apis/plugin';
import { firstLine } from './messages';
import { configuredExtensions, standIn } from './nfs/standIn';
import { createFederation, exportLoader, hostShared, loadRemoteFeatures, scalprumLoader, type Feature, type SharedEntry } from './remotes/federation';
import { incompatibleSingletons } from './remotes/remotes';
import { createScalprumContainers } from './remotes/scalprum';
import { readWiring, scalprumName, withShippedWiring, type PluginWiring } from './rhdh/config';
import { loadApiFactories } from './rhdh/keys/apiFactories';
import type { WiredRemote } from './rhdh/types';
import { pluginIdFor, wiredFeatures } from './rhdh/wiring';
import { fallbackHomeModule } from './ui/fallbackHome';

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
 *
 * Each load makes its own state (failures, menu order, the remotes it
 * loaded) and gives it to the app as APIs (`pluginFailuresApiRef`,
 * `menuOrderApiRef`, `dynamicPluginsApiRef`); nothing is kept in module
 * scope, so the loader can run again, for another app or after a change.
 */
export function dynamicFrontendFeaturesLoader(options: DynamicFrontendFeaturesLoaderOptions = {}): FrontendFeatureLoader {
  return createFrontendFeatureLoader({
    async loader({ config }) {
      const remotesClient = new DynamicPluginsClient({ backendBaseUrl: config.getString('backend.baseUrl'), fetch: options.fetch });
      const state: DynamicPluginsState = { failures: new PluginFailures(), menuOrder: new MenuOrder(), remotes: remotesClient };
      // Whatever goes wrong loading remotes, the APIs and the admin Plugins
      // page still join the app: they are how an admin repairs it.
      let features: Feature[] = [fallbackHomeModule];
      try {
        features = await loadFeatures(config, state, remotesClient);
      } catch (error) {
        state.failures.record({ packageName: 'all dynamic frontend plugins', message: firstLine(error) });
      }
      return [...features, dynamicPluginsApisPlugin(state)];
    },
  });
}

async function loadFeatures(config: Config, state: DynamicPluginsState, remotesClient: DynamicPluginsClient): Promise<Feature[]> {
  const onProblem = (packageName: string, message: string) => state.failures.record({ packageName, message });
  let remotes: FrontendRemote[] = [];
  try {
    remotes = await remotesClient.listRemotes();
  } catch (error) {
    onProblem('all dynamic frontend plugins', firstLine(error));
  }
  remotesClient.setLoaded(remotes);
  const wirings = withShippedWiring(readWiring(config, onProblem), remotes.map(r => r.defaultWiring), onProblem);
  const features = await loadAll(remotes, wirings, configuredExtensions(config), state);
  const hasHome = features.some(f => f.$$type === '@backstage/FrontendPlugin' && (f as { id?: string }).id === 'home');
  if (!hasHome) features.push(fallbackHomeModule);
  return features;
}

async function loadAll(remotes: FrontendRemote[], wirings: PluginWiring[], configured: Map<string, string[]>, state: DynamicPluginsState): Promise<Feature[]> {
  const report = state.failures.record.bind(state.failures);
  const onProblem = (packageName: string, message: string) => report({ packageName, message });
  const shared: Record<string, SharedEntry> = remotes.length === 0 ? {} : await hostShared(report);
  const usable = remotes.filter(remote => {
    const problems = incompatibleSingletons(remote, shared);
    if (problems.length === 0) return true;
    onProblem(remote.packageName, `refused: built against ${problems.join(', ')}; rebuild it against this portal's versions`);
    return false;
  });
  const federation = createFederation(usable, shared, report);
  const wired = new Set(wirings.map(w => w.scalprumName));
  const features: Feature[] = [];

  // New frontend system plugins: stand-ins from their extension manifests,
  // else their feature definitions, now. (RHDH's Scalprum-format plugins are
  // always legacy plugins, wired by config.)
  const nfs = usable.filter(r => !r.scalprum && !wired.has(scalprumName(r.packageName)));
  for (const remote of usable.filter(r => r.scalprum && !wired.has(scalprumName(r.packageName)))) {
    onProblem(remote.packageName, 'an RHDH-format plugin with no dynamicPlugins.frontend wiring: nothing of it is shown');
  }
  if (federation) {
    const eager: FrontendRemote[] = [];
    for (const remote of nfs) {
      const stoodIn = standIn(federation, remote, configured);
      if (stoodIn) features.push(stoodIn);
      else eager.push(remote);
    }
    const loaded = await Promise.all(eager.map(remote => loadRemoteFeatures(federation, remote, report)));
    features.push(...loaded.flat());
  }

  // Legacy plugins: built from their wiring, code on render.
  const byScalprumName = new Map(usable.map(r => [scalprumName(r.packageName), r]));
  const containers = createScalprumContainers();
  const wiredRemotes: WiredRemote[] = await Promise.all(
    wirings.map(async wiring => {
      const remote = byScalprumName.get(wiring.scalprumName);
      const listed = remotes.some(r => scalprumName(r.packageName) === wiring.scalprumName);
      const label = remote?.packageName ?? wiring.scalprumName;
      const baseLoad = remote?.scalprum ? scalprumLoader(containers, remote, shared) : exportLoader(federation, remote, listed);
      const { load, apiFactories } = await loadApiFactories(remote, wiring, baseLoad, message => onProblem(label, message));
      return { wiring, label, pluginId: pluginIdFor(wiring.scalprumName), load, apiFactories };
    }),
  );
  features.push(...wiredFeatures(wiredRemotes, { onProblem, menuOrder: state.menuOrder }));
  return features;
}
