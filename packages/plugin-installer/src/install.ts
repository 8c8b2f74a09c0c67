import fs from 'node:fs/promises';
import path from 'node:path';
import { acquireLock, createStaging, recover, switchRoot, type LockOptions } from './activate';
import { InstallError } from './errors';
import { writeFileAtomically } from './files';
import { DEFAULT_OCI_LIMITS, ociLimits } from './oci/limits';
import { localFingerprint } from './sources/local';
import { readNpmSettings } from './sources/npmrc';
import type { InstalledRecord, InstallSettings } from './sources/types';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { hashInputs, isIntact, readState, type InstallState } from './state';
import { checkPresetEnvironment, presetInputsKey, refuseUnexportedPresetPlugins } from './presets/inputs';

export const APP_CONFIG_FILE = 'app-config.dynamic-plugins.yaml';
/** Plugin packages with their dependencies bundled reach tens of MB; this leaves room and still bounds a hostile registry. */
export const DEFAULT_MAX_NPM_TARBALL_BYTES = 200_000_000;
export { DEFAULT_OCI_LIMITS };
export { readState };
export type { InstallState };

/**
 * Everything an install depends on is an option: nothing is read from the
 * current folder, nothing is printed, nothing exits, so a backend can run it
 * in-process.
 */
export interface InstallOptions {
  /** The top-level dynamic-plugins.yaml; an absolute path. */
  configFile: string;
  /** The dynamic plugins root; an absolute path. */
  root: string;
  /**
   * A layer over `configFile` (the marketplace's, from the database): a file
   * with a `plugins:` list in the same format, applied last, key by key.
   * Relative paths in it are resolved against `configFile`'s folder, like the
   * base's, so it can disable or reconfigure a bundled plugin by its key.
   */
  layerFile?: string;
  /**
   * Checks each fetched package (its package.json) before anything is
   * switched: a reason fails that plugin as INCOMPATIBLE, and so the install.
   * The marketplace refuses incompatible backend plugins this way.
   */
  vet?(packageJson: Record<string, unknown>): string | undefined;
  concurrency?: number;
  skipIntegrity?: boolean;
  insecureRegistries?: string[];
  maxEntryBytes?: number;
  maxArchiveBytes?: number;
  /** Largest npm tarball downloaded; default 200 MB. */
  maxNpmTarballBytes?: number;
  /** Most layers in one OCI image; default 64. */
  maxOciLayers?: number;
  /** Largest OCI layer blob; default 500 MB. */
  maxOciLayerBytes?: number;
  /** Largest sum of one OCI image's layers; default 1 GB. */
  maxOciImageBytes?: number;
  /** Largest OCI manifest or index document; default 4 MiB. */
  maxOciManifestBytes?: number;
  /** Refuse OCI references without an `@sha256:` digest (a tag alone is trusted on first use otherwise). */
  requireOciDigest?: boolean;
  /** Largest dynamic-plugins.yaml (and included file) read; default 4 MiB. */
  maxConfigBytes?: number;
  /** Reserved config keys (config/reservedKeys.ts) a plugin's pluginConfig may set anyway, with their subkeys. */
  allowedPluginConfigKeys?: string[];
  /**
   * Presets to add to the file's `presets:` (`--preset`); DEVPORTAL_PRESETS
   * in `env` adds more. Their folder: `presetsDir`, else DEVPORTAL_PRESETS_DIR,
   * else `marketplace/presets` next to `configFile` (docs/plugins/presets.md).
   */
  presets?: string[];
  presetsDir?: string;
  network?: Partial<InstallSettings['network']>;
  lock?: LockOptions;
  /** Environment for .npmrc, `npm_config_*` and registry auth files (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Per-plugin progress (one line each), e.g. for a terminal or a logger. */
  log?(message: string): void;
}

export type PluginStatus = 'installed' | 'unchanged' | 'disabled' | 'failed';

export interface PluginOutcome {
  key: string;
  package: string;
  status: PluginStatus;
  record?: InstalledRecord;
  error?: { code: string; message: string };
}

export interface InstallOutcome {
  ok: boolean;
  root: string;
  configFile: string;
  plugins: PluginOutcome[];
  removed: string[];
  warnings: string[];
}

/**
 * Installs the enabled plugins of a dynamic-plugins.yaml into the root, all
 * or nothing: if any plugin fails, the root keeps its previous plugins and
 * app-config. Unchanged plugins are not fetched again.
 */
export async function installPlugins(options: InstallOptions): Promise<InstallOutcome> {
  const root = absolute(options.root, 'root');
  const configFile = absolute(options.configFile, 'configFile');
  const layerFile = options.layerFile ? absolute(options.layerFile, 'layerFile') : undefined;
  const log = options.log ?? (() => {});
  const env = options.env ?? process.env;
  const settingsKey = {
    skipIntegrity: options.skipIntegrity ?? false,
    insecureRegistries: options.insecureRegistries ?? [],
    maxEntryBytes: options.maxEntryBytes ?? 40_000_000,
    maxArchiveBytes: options.maxArchiveBytes ?? 500_000_000,
    maxNpmTarballBytes: options.maxNpmTarballBytes ?? DEFAULT_MAX_NPM_TARBALL_BYTES,
    oci: ociLimits({
      maxLayers: options.maxOciLayers,
      maxLayerBytes: options.maxOciLayerBytes,
      maxImageBytes: options.maxOciImageBytes,
      maxManifestBytes: options.maxOciManifestBytes,
    }),
    requireOciDigest: options.requireOciDigest ?? false,
    allowedPluginConfigKeys: options.allowedPluginConfigKeys ?? [],
  };
  // The inputs hash also covers whether there is a layer: dropping one is a change.
  const inputsKey = { ...settingsKey, layerFile: layerFile ?? null };
  const presetOptions = { names: options.presets, dir: options.presetsDir, env };
  const presetKey = presetInputsKey(configFile, presetOptions);
  if (presetKey) Object.assign(inputsKey, { presets: presetKey });
  // Before the lock and the unchanged check: an unset variable stops every start, not just the first.
  await checkPresetEnvironment(configFile, { ...presetOptions, maxBytes: options.maxConfigBytes }, env);
  const lock = await acquireLock(root, {
    ...options.lock,
    onWait: owner => log(`waiting for another installer (${owner})`),
  });
  let staging: Promise<string> | undefined;
  // Created on first fetch: an unchanged re-run touches nothing but the app-config.
  const getStaging = () => (staging ??= createStaging(root));
  let downloads: Promise<string> | undefined;
  try {
    const recovered = await recover(root);
    const previous = await readState(root);
    if (!recovered && previous && (await isUnchanged(root, configFile, previous, inputsKey, options.maxConfigBytes))) {
      return unchangedOutcome(root, configFile, previous);
    }

    // Parsing and fetching are loaded here, not at the top: the check above needs none of it.
    const { checksOffline, findFolderClash, installOne, mapLimit } = await import('./installOne');
    const { resolvePluginConfig } = await import('./config/layers');
    const { mergePluginConfigs } = await import('./config/merge');
    const { default: YAML } = await import('yaml');
    const config = await resolvePluginConfig(configFile, { maxBytes: options.maxConfigBytes, layerFile, presets: presetOptions });
    refuseUnexportedPresetPlugins(config.plugins);
    const appConfig: Record<string, any> = mergePluginConfigs(config.plugins, {
      allowedReservedKeys: settingsKey.allowedPluginConfigKeys,
      log,
    });
    appConfig.dynamicPlugins = { ...(appConfig.dynamicPlugins ?? {}), rootDirectory: root };

    const settings: InstallSettings = {
      ...settingsKey,
      configDir: path.dirname(configFile),
      downloads: () =>
        (downloads ??= getStaging().then(async dir => {
          await fs.mkdir(path.join(dir, '.downloads'), { recursive: true });
          return path.join(dir, '.downloads');
        })),
      npm: readNpmSettings(path.dirname(configFile), env),
      network: { timeoutMs: 60_000, retries: 3, minBackoffMs: 500, ...options.network },
      env,
      cache: new Map(),
      plugins: config.plugins,
      log,
      vet: options.vet,
    };
    const previousRecords = previous?.plugins ?? {};
    const outcomes = await mapLimit(config.plugins, options.concurrency ?? 4, plugin =>
      installOne(plugin, previousRecords, root, getStaging, settings, config.trust),
    );
    const failed = outcomes.filter(o => o.status === 'failed');
    const kept = outcomes.filter(o => o.record);
    if (config.trust) {
      // What audit let through stays a warning on every run until it is signed.
      const { trustWarnings } = await import('./trust/check');
      config.warnings.push(...trustWarnings(kept.map(o => o.record!)));
    }
    const clash = findFolderClash(kept);
    if (failed.length > 0 || clash) {
      return { ok: false, root, configFile, plugins: clash ? [...outcomes, clash] : outcomes, removed: [], warnings: config.warnings };
    }

    const folders = new Set(kept.map(o => o.record!.folder));
    const removed = Object.values(previousRecords)
      .map(r => r.folder)
      .filter(folder => !folders.has(folder));
    const installed = outcomes.filter(o => o.status === 'installed').map(o => o.record!.folder);
    const state: InstallState = {
      version: 1,
      files: config.files,
      inputs: await hashInputs(config.files, inputsKey, options.maxConfigBytes),
      offline: config.plugins.every(checksOffline),
      plugins: Object.fromEntries(kept.map(o => [o.key, o.record!])),
      disabled: outcomes.filter(o => o.status === 'disabled').map(o => ({ key: o.key, package: o.package })),
      warnings: config.warnings,
    };
    const appConfigText = YAML.stringify(appConfig);
    const stateText = JSON.stringify(state, null, 2);

    if (installed.length === 0 && removed.length === 0) {
      // Same plugins: only the merged config or the state may differ.
      await writeIfChanged(path.join(root, APP_CONFIG_FILE), appConfigText);
      await writeIfChanged(path.join(root, INSTALLER_STATE_FILE), stateText);
    } else {
      const dir = await getStaging();
      await fs.writeFile(path.join(dir, APP_CONFIG_FILE), appConfigText);
      await fs.writeFile(path.join(dir, INSTALLER_STATE_FILE), stateText);
      await switchRoot(root, { staging: dir, replace: installed, remove: removed, files: [APP_CONFIG_FILE, INSTALLER_STATE_FILE] });
      staging = undefined; // switched: nothing left to clean
    }
    return { ok: true, root, configFile, plugins: outcomes, removed, warnings: config.warnings };
  } finally {
    if (staging) await fs.rm(await staging, { recursive: true, force: true });
    await lock.release();
  }
}

/**
 * The quick check of an unchanged re-run, before any YAML is parsed: the
 * config files and options hash as last time, every plugin can be checked
 * offline, every folder still holds its package and no local source folder
 * changed.
 */
async function isUnchanged(
  root: string,
  configFile: string,
  state: InstallState,
  settingsKey: unknown,
  maxConfigBytes: number | undefined,
): Promise<boolean> {
  if (!state.offline || state.files[0] !== configFile) return false;
  if ((await hashInputs(state.files, settingsKey, maxConfigBytes)) !== state.inputs) return false;
  if (!(await fs.stat(path.join(root, APP_CONFIG_FILE)).catch(() => undefined))) return false;
  for (const record of Object.values(state.plugins)) {
    if (!(await isIntact(root, record))) return false;
    if (record.sourceDir) {
      const current = await localFingerprint(record.sourceDir).catch(() => undefined);
      if (current !== record.sourceFingerprint) return false;
    }
  }
  return true;
}

function unchangedOutcome(root: string, configFile: string, state: InstallState): InstallOutcome {
  const plugins: PluginOutcome[] = [
    ...Object.values(state.plugins).map(record => ({ key: record.key, package: record.package, status: 'unchanged' as const, record })),
    ...state.disabled.map(d => ({ ...d, status: 'disabled' as const })),
  ];
  return { ok: true, root, configFile, plugins, removed: [], warnings: state.warnings };
}

async function writeIfChanged(file: string, content: string) {
  const current = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (current !== content) await writeFileAtomically(file, content);
}

function absolute(file: string, option: string): string {
  if (!path.isAbsolute(file)) {
    throw new InstallError(`installPlugins: '${option}' must be an absolute path, not '${file}'`, 'INVALID_OPTIONS');
  }
  // Already absolute: resolving only normalises (no current folder involved).
  return path.resolve(file);
}
