import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import {
  coreServices,
  createBackendFeatureLoader,
  createBackendPlugin,
  type BackendFeature,
} from '@backstage/backend-plugin-api';
import { declaredCompatibility, incompatibility, type HostVersions } from './compatibility';
import { appConfigSchemaModule } from './appConfigSchema';
import { checkPluginConfig, type SerializedSchema } from './configSchema';
import { readInstalledPlugins } from './installerState';
import { isBackendFeature, isolateFeature } from './isolation';
import { installDynamicPluginResolution } from './moduleResolution';
import { createRemotesRouter, readFrontendRemote, REMOTES_MOUNT, type ServedRemote } from './frontendRemotes';
import { createStatusRouter } from './router';
import { DynamicPluginStatusStore, type DynamicPluginStatus } from './status';

const BACKEND_ROLES = ['backend-plugin', 'backend-plugin-module'];
const FRONTEND_ROLES = ['frontend-plugin', 'frontend-plugin-module'];

/**
 * Loads the dynamic backend plugins the installer put in the dynamic plugins
 * root, and serves their status at `/api/dynamic-plugins/status`.
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
    const remotes: ServedRemote[] = [];
    // Config schemas of the dynamic plugins that loaded, which the app serves
    // with its own (filled below, as each plugin's config is checked; read
    // when the app plugin starts).
    const pluginSchemas: SerializedSchema[] = [];
    const features: BackendFeature[] = [statusPlugin(status, remotes), appConfigSchemaModule(() => pluginSchemas)];
    const baseUrl = config.getString('backend.baseUrl').replace(/\/$/, '');
    const rootSetting = config.getOptionalString('dynamicPlugins.rootDirectory');
    if (!rootSetting) return features;
    const root = path.resolve(rootSetting);
    const installed = readInstalledPlugins(root);
    if (!installed) {
      logger.warn(`No plugin installer state in ${root}; no dynamic backend plugins are loaded`);
      return features;
    }
    const timeoutMs = config.getOptionalNumber('dynamicPlugins.backend.initTimeoutMs') ?? 30_000;
    const ignoreCompatibility = new Set(config.getOptionalStringArray('dynamicPlugins.backend.ignoreCompatibility') ?? []);
    const hostRequire = createRequire(require.main?.filename ?? __filename);
    const host = hostVersions(hostRequire);

    for (const disabled of installed.disabled) {
      status.set({ package: disabled.package, version: '', source: 'unknown', kind: 'unknown', state: 'disabled' });
    }
    const candidates: Array<{ folder: string; name: string }> = [];
    for (const record of installed.plugins) {
      const folder = path.join(root, record.folder);
      const pkg = readPackageJson(folder);
      const entry: DynamicPluginStatus = {
        package: pkg?.name ?? record.package,
        version: pkg?.version ?? '',
        source: record.source === 'local' ? 'bundled' : (record.source as DynamicPluginStatus['source']),
        kind: pkg?.backstage?.role ?? 'unknown',
        state: 'loaded',
        folder: record.folder,
      };
      if (!pkg) {
        status.set({ ...entry, state: 'failed', reason: `no readable package.json in ${folder}` });
        continue;
      }
      if (FRONTEND_ROLES.includes(entry.kind)) {
        // Frontend plugins run in the browser: the backend only lists and
        // serves them; the app loads them (packages/app/src/dynamic).
        const read = readFrontendRemote(folder, { ...pkg, name: entry.package }, baseUrl);
        const checked = 'served' in read ? await checkPluginConfig(folder, config) : read;
        if ('problem' in checked) {
          status.set({ ...entry, state: 'failed', reason: checked.problem });
          logger.error(`Dynamic frontend plugin ${entry.package} is not served: ${checked.problem}`);
        } else if ('served' in read) {
          remotes.push(read.served);
          pluginSchemas.push(...checked.schemas);
          status.set(entry);
        }
        continue;
      }
      if (!BACKEND_ROLES.includes(entry.kind)) {
        status.set({ ...entry, state: 'skipped', reason: `not a backend package (role ${entry.kind})` });
        continue;
      }
      const reason = incompatibility(declaredCompatibility(pkg), host);
      if (reason && !ignoreCompatibility.has(pkg.name)) {
        status.set({ ...entry, state: 'incompatible', reason });
        logger.warn(`Dynamic plugin ${pkg.name} is not loaded: it ${reason}`);
        continue;
      }
      if (reason) logger.warn(`Dynamic plugin ${pkg.name} ${reason}; loaded anyway (dynamicPlugins.backend.ignoreCompatibility)`);
      const checked = await checkPluginConfig(folder, config);
      if ('problem' in checked) {
        status.set({ ...entry, state: 'failed', reason: checked.problem });
        logger.error(`Dynamic plugin ${pkg.name} is not loaded: ${checked.problem}`);
        continue;
      }
      status.set(entry);
      pluginSchemas.push(...checked.schemas);
      candidates.push({ folder, name: pkg.name });
    }

    installDynamicPluginResolution({
      root,
      packages: new Map(candidates.map(c => [c.name, c.folder])),
      hostResolve: request => hostRequire.resolve(request),
    });
    for (const candidate of candidates) {
      try {
        const loaded = loadFeatures(hostRequire(candidate.folder));
        for (const feature of loaded) {
          features.push(isolateFeature(feature, { packageName: candidate.name, status, logger, timeoutMs }));
        }
        logger.info(`Dynamic plugin ${candidate.name} loaded from ${candidate.folder}`);
      } catch (error) {
        status.update(candidate.name, { state: 'failed', reason: `import failed: ${(error as Error).message}` });
        logger.error(`Dynamic plugin ${candidate.name} failed to load and is skipped: ${(error as Error).message}`);
      }
    }
    return features;
  },
});

/**
 * The features a plugin package exports: a default BackendFeature (the new
 * backend system), or RHDH's `dynamicPluginInstaller` (`{ kind: 'new', install }`).
 */
function loadFeatures(mod: any): BackendFeature[] {
  const installer = mod?.dynamicPluginInstaller ?? mod?.default?.dynamicPluginInstaller;
  if (installer?.kind === 'new' && typeof installer.install === 'function') {
    const installed = installer.install();
    return Array.isArray(installed) ? installed : [installed];
  }
  const feature = isBackendFeature(mod?.default) ? mod.default : mod;
  if (!isBackendFeature(feature)) {
    throw new Error('the package does not export a BackendFeature as default export');
  }
  return [feature];
}

function readPackageJson(folder: string): Record<string, any> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

function hostVersions(hostRequire: NodeRequire): HostVersions {
  let backstage: string | undefined;
  try {
    backstage = JSON.parse(fs.readFileSync(path.resolve('backstage.json'), 'utf8')).version;
  } catch {
    backstage = undefined;
  }
  return { backstage, backendPluginApi: hostRequire('@backstage/backend-plugin-api/package.json').version };
}

function statusPlugin(status: DynamicPluginStatusStore, remotes: ServedRemote[]) {
  return createBackendPlugin({
    pluginId: 'dynamic-plugins',
    register(env) {
      env.registerInit({
        deps: {
          httpAuth: coreServices.httpAuth,
          httpRouter: coreServices.httpRouter,
          permissions: coreServices.permissions,
          rootHttpRouter: coreServices.rootHttpRouter,
        },
        async init({ httpAuth, httpRouter, permissions, rootHttpRouter }) {
          httpRouter.use(createStatusRouter({ httpAuth, permissions, status }));
          // Outside /api: the contract path of the upstream remotes server.
          rootHttpRouter.use(REMOTES_MOUNT, createRemotesRouter(remotes));
        },
      });
    },
  });
}
