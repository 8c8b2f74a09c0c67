import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  coreServices,
  createBackendFeatureLoader,
  createBackendPlugin,
  createServiceFactory,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import {
  DYNAMIC_PLUGINS_PLUGIN_ID,
  REMOTES_MOUNT,
  type DynamicPluginStatus,
  type HostVersions,
} from '@devportal/plugin-dynamic-plugins-common';
import { signalsServiceRef } from '@backstage/plugin-signals-node';
import {
  dynamicPluginsServiceRef,
  installDynamicPluginResolution,
  listInstalledPlugins,
  readInstallState,
  type DynamicPluginsService,
} from '@devportal/plugin-dynamic-plugins-node';
import { appConfigSchemaModule } from './appConfigSchema';
import { loadBackendPlugins } from './backendPlugins';
import { FrontendPlugins } from './frontendPlugins';
import { createRemotesRouter } from './remotesRouter';
import { publishRemotes } from './remotesPublisher';
import { createDynamicPluginsRouter } from './router';
import type { PluginSchemas } from './schemaVisibility';
import { DynamicPluginStatusStore } from './status';

/**
 * Loads the dynamic backend plugins the installer put in the dynamic plugins
 * root, serves the frontend ones to the app, and offers both through
 * `dynamicPluginsServiceRef` and `/api/dynamic-plugins` (docs/plugins/api.md).
 *
 * Why not `dynamicPluginsFeatureLoader` from backend-dynamic-feature-service:
 * it loads every folder it finds in the root (a disabled plugin whose folder
 * is still there would load), has no init timeout, no compatibility check and
 * no per-plugin status; see docs/architecture.md.
 */
export const dynamicPluginsLoader = createBackendFeatureLoader({
  deps: { config: coreServices.rootConfig, logger: coreServices.rootLogger },
  async loader({ config, logger }) {
    const status = new DynamicPluginStatusStore();
    const rootSetting = config.getOptionalString('dynamicPlugins.rootDirectory');
    const root = rootSetting ? path.resolve(rootSetting) : undefined;
    const frontend = new FrontendPlugins({
      root,
      config,
      status,
      logger,
    });
    const service: DynamicPluginsService = {
      rootDirectory: () => root,
      listInstalled: async () => (root ? listInstalledPlugins(root) : []),
      status: () => status.list(),
    };
    // Config schemas of the dynamic plugins that loaded, which the app
    // serves with its own (read when the app plugin starts).
    const hostRequire = createRequire(require.main?.filename ?? __filename);
    const host = hostVersions(hostRequire);
    const backendSchemas: PluginSchemas[] = [];
    const features: BackendFeature[] = [
      createServiceFactory({ service: dynamicPluginsServiceRef, deps: {}, factory: () => service }),
      routesPlugin(frontend, root, () => status.list(), host),
      appConfigSchemaModule(() => [...backendSchemas, ...frontend.schemasAtStart]),
    ];
    if (!root) return features;
    const state = readInstallState(root);
    status.useInstallState(state);
    if (!state) {
      logger.warn(`No plugin installer state in ${root}; no dynamic plugins are loaded`);
      return features;
    }
    await frontend.current();

    const loaded = await loadBackendPlugins({
      root,
      state,
      config,
      host,
      ignoreCompatibility: new Set(config.getOptionalStringArray('dynamicPlugins.backend.ignoreCompatibility') ?? []),
      timeoutMs: config.getOptionalNumber('dynamicPlugins.backend.initTimeoutMs') ?? 30_000,
      status,
      logger,
      // Kept for the life of this backend process: its plugins' modules stay
      // in the require cache and resolve through it.
      resolution: installDynamicPluginResolution({ hostResolve: request => hostRequire.resolve(request) }),
      hostRequire,
    });
    backendSchemas.push(...loaded.schemas);
    return [...features, ...loaded.features];
  },
});

function hostVersions(hostRequire: NodeRequire): HostVersions {
  let backstage: string | undefined;
  try {
    backstage = JSON.parse(fs.readFileSync(path.resolve('backstage.json'), 'utf8')).version;
  } catch {
    backstage = undefined;
  }
  return { backstage, backendPluginApi: hostRequire('@backstage/backend-plugin-api/package.json').version };
}

/** `/api/dynamic-plugins/*` and, outside /api, the remotes server's contract path. */
function routesPlugin(frontend: FrontendPlugins, root: string | undefined, status: () => DynamicPluginStatus[], host: HostVersions) {
  return createBackendPlugin({
    pluginId: DYNAMIC_PLUGINS_PLUGIN_ID,
    register(env) {
      env.registerInit({
        deps: {
          httpAuth: coreServices.httpAuth,
          httpRouter: coreServices.httpRouter,
          permissions: coreServices.permissions,
          rootHttpRouter: coreServices.rootHttpRouter,
          dynamicPlugins: dynamicPluginsServiceRef,
          config: coreServices.rootConfig,
          database: coreServices.database,
          auditor: coreServices.auditor,
          lifecycle: coreServices.lifecycle,
          rootLifecycle: coreServices.rootLifecycle,
          logger: coreServices.logger,
          signals: signalsServiceRef,
        },
        async init({ httpAuth, httpRouter, permissions, rootHttpRouter, dynamicPlugins, config, database, auditor, lifecycle, rootLifecycle, logger, signals }) {
          httpRouter.use(createDynamicPluginsRouter({ httpAuth, permissions, dynamicPlugins }));
          let servedGeneration: (() => number | null) | undefined;
          if (root) {
            // The marketplace needs a root to install into; without one the portal runs its static plugins only.
            const { setUpMarketplace } = await import('./marketplace');
            const marketplace = await setUpMarketplace({ config, root, database, auditor, signals, lifecycle, rootLifecycle, logger, host, httpAuth, permissions, status });
            httpRouter.use(marketplace.router);
            servedGeneration = marketplace.servedGeneration;
            if (marketplace.supervisor.live) {
              const stop = publishRemotes({
                current: () => frontend.current(),
                servedGeneration: marketplace.servedGeneration,
                send: snapshot => marketplace.supervisor.send(snapshot),
                root,
                onError: error => logger.warn(`Could not send the served remotes to the supervisor: ${error.message}`),
              });
              lifecycle.addShutdownHook(stop);
            }
          }
          rootHttpRouter.use(REMOTES_MOUNT, createRemotesRouter(() => frontend.current(), () => servedGeneration?.() ?? null));
        },
      });
    },
  });
}
