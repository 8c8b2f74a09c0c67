import path from 'node:path';
import type { BackendFeature, LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import {
  isBackendRole,
  isFrontendRole,
  sourceLabel,
  type DynamicPluginStatus,
  type HostVersions,
  type InstallState,
} from '@devportal/plugin-dynamic-plugins-common';
import {
  declaredCompatibility,
  featuresOf,
  judgeCompatibility,
  type DynamicPluginResolution,
} from '@devportal/plugin-dynamic-plugins-node';
import { checkPluginConfig } from './configSchema';
import { readPackageJson } from './frontendPlugins';
import { isolateFeature } from './isolation';
import type { PluginSchemas } from './schemaVisibility';
import type { DynamicPluginStatusStore } from './status';

export interface BackendLoadOptions {
  root: string;
  state: InstallState;
  config: Config;
  host: HostVersions;
  /** Packages loaded although their declared compatibility does not match. */
  ignoreCompatibility: ReadonlySet<string>;
  timeoutMs: number;
  status: DynamicPluginStatusStore;
  logger: LoggerService;
  resolution: DynamicPluginResolution;
  /** Requires a module the way the host does. */
  hostRequire: NodeRequire;
}

/**
 * Loads the backend plugins of one installer state: each is checked
 * (package.json, role, compatibility, its config against its schema), then
 * all that pass are made resolvable together (a module may import its
 * plugin's package) and imported; each feature is wrapped so its init cannot
 * take the backend down. Frontend packages are left to FrontendPlugins.
 * Returns the features and the config schemas of the plugins that passed, per package.
 */
export async function loadBackendPlugins(options: BackendLoadOptions): Promise<{ features: BackendFeature[]; schemas: PluginSchemas[] }> {
  const { root, state, status, logger } = options;
  for (const disabled of state.disabled) {
    status.set({ package: disabled.package, version: '', source: 'unknown', kind: 'unknown', state: 'disabled' });
  }
  const schemas: PluginSchemas[] = [];
  const candidates: Array<{ folder: string; name: string }> = [];
  for (const record of Object.values(state.plugins)) {
    const folder = path.join(root, record.folder);
    const pkg = readPackageJson(folder);
    const entry: DynamicPluginStatus = {
      package: pkg?.name ?? record.package,
      version: pkg?.version ?? '',
      source: sourceLabel(record.source),
      kind: pkg?.backstage?.role ?? 'unknown',
      state: 'loaded',
      folder: record.folder,
    };
    if (!pkg) {
      status.set({ ...entry, state: 'failed', reason: `no readable package.json in ${folder}` });
      continue;
    }
    if (isFrontendRole(entry.kind)) continue;
    if (!isBackendRole(entry.kind)) {
      status.set({ ...entry, state: 'skipped', reason: `not a backend package (role ${entry.kind})` });
      continue;
    }
    const compatibility = judgeCompatibility(declaredCompatibility(pkg), options.host);
    if (compatibility.verdict === 'refused' && !options.ignoreCompatibility.has(pkg.name)) {
      status.set({ ...entry, state: 'incompatible', reason: compatibility.reason });
      logger.warn(`Dynamic plugin ${pkg.name} is not loaded: it ${compatibility.reason}`);
      continue;
    }
    if (compatibility.verdict === 'refused') {
      logger.warn(`Dynamic plugin ${pkg.name} ${compatibility.reason}; loaded anyway (dynamicPlugins.backend.ignoreCompatibility)`);
    }
    // Accepted (a pre-1.0 API range on a 1.x host): whatever is really
    // missing fails at import or init, where it is reported per plugin.
    if (compatibility.verdict === 'warning') logger.warn(`Dynamic plugin ${pkg.name} ${compatibility.reason}`);
    const checked = await checkPluginConfig(folder, options.config);
    if ('problem' in checked) {
      status.set({ ...entry, state: 'failed', reason: checked.problem });
      logger.error(`Dynamic plugin ${pkg.name} is not loaded: ${checked.problem}`);
      continue;
    }
    status.set(entry);
    schemas.push({ package: pkg.name, schemas: checked.schemas });
    candidates.push({ folder, name: pkg.name });
  }

  options.resolution.add({ root, packages: new Map(candidates.map(c => [c.name, c.folder])) });
  const features: BackendFeature[] = [];
  for (const candidate of candidates) {
    try {
      for (const feature of featuresOf(options.hostRequire(candidate.folder))) {
        features.push(isolateFeature(feature, { packageName: candidate.name, status, logger, timeoutMs: options.timeoutMs }));
      }
      logger.info(`Dynamic plugin ${candidate.name} loaded from ${candidate.folder}`);
    } catch (error) {
      status.update(candidate.name, { state: 'failed', reason: `import failed: ${(error as Error).message}` });
      logger.error(`Dynamic plugin ${candidate.name} failed to load and is skipped: ${(error as Error).message}`);
    }
  }
  return { features, schemas };
}
