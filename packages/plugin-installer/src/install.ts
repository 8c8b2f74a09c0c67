import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomically } from './files';
import { acquireLock, createStaging, recover, switchRoot, type LockOptions } from './activate';
import { isLocalPath, type ResolvedPlugin } from './config/layers';
import { InstallError } from './errors';
import { localFingerprint, localSource } from './sources/local';
import { npmSource } from './sources/npm';
import { readNpmSettings } from './sources/npmrc';
import { ociSource } from './sources/oci';
import type { InstalledRecord, InstallSettings, PluginSource } from './sources/types';
import { hashInputs, isIntact, readState, STATE_FILE, type InstallState } from './state';

export const APP_CONFIG_FILE = 'app-config.dynamic-plugins.yaml';
export { STATE_FILE, readState };

export interface InstallOptions {
  configFile: string;
  root: string;
  concurrency?: number;
  skipIntegrity?: boolean;
  insecureRegistries?: string[];
  maxEntryBytes?: number;
  maxArchiveBytes?: number;
  network?: Partial<InstallSettings['network']>;
  lock?: LockOptions;
  /** Per-plugin progress, for a terminal. */
  onProgress?(message: string): void;
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
  const root = path.resolve(options.root);
  const configFile = path.resolve(options.configFile);
  const settingsKey = {
    skipIntegrity: options.skipIntegrity ?? false,
    insecureRegistries: options.insecureRegistries ?? [],
    maxEntryBytes: options.maxEntryBytes ?? 40_000_000,
    maxArchiveBytes: options.maxArchiveBytes ?? 500_000_000,
  };
  const lock = await acquireLock(root, {
    ...options.lock,
    onWait: owner => options.onProgress?.(`waiting for another installer (${owner})`),
  });
  let staging: Promise<string> | undefined;
  // Created on first fetch: an unchanged re-run touches nothing but the app-config.
  const getStaging = () => (staging ??= createStaging(root));
  let downloads: Promise<string> | undefined;
  try {
    const recovered = await recover(root);
    const previous = await readState(root);
    if (!recovered && previous && (await isUnchanged(root, configFile, previous, settingsKey))) {
      return unchangedOutcome(root, configFile, previous);
    }

    // Parsing is loaded here, not at the top: the check above needs none of it.
    const { resolvePluginConfig } = await import('./config/layers');
    const { mergePluginConfigs } = await import('./config/merge');
    const { default: YAML } = await import('yaml');
    const config = await resolvePluginConfig(configFile);
    const appConfig: Record<string, any> = mergePluginConfigs(config.plugins);
    appConfig.dynamicPlugins = { ...(appConfig.dynamicPlugins ?? {}), rootDirectory: root };

    const settings: InstallSettings = {
      ...settingsKey,
      configDir: path.dirname(configFile),
      downloads: () =>
        (downloads ??= getStaging().then(async dir => {
          await fs.mkdir(path.join(dir, '.downloads'), { recursive: true });
          return path.join(dir, '.downloads');
        })),
      npm: readNpmSettings(path.dirname(configFile)),
      network: { timeoutMs: 60_000, retries: 3, minBackoffMs: 500, ...options.network },
      cache: new Map(),
      log: message => options.onProgress?.(message),
    };
    const previousRecords = previous?.plugins ?? {};
    const outcomes = await mapLimit(config.plugins, options.concurrency ?? 4, plugin =>
      installOne(plugin, previousRecords, root, getStaging, settings),
    );
    const failed = outcomes.filter(o => o.status === 'failed');
    const kept = outcomes.filter(o => o.record);
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
      inputs: await hashInputs(config.files, settingsKey),
      offline: config.plugins.every(p => !p.isEnabled || p.preInstalled || sourceFor(p).checksOffline(p)),
      plugins: Object.fromEntries(kept.map(o => [o.key, o.record!])),
      disabled: outcomes.filter(o => o.status === 'disabled').map(o => ({ key: o.key, package: o.package })),
      warnings: config.warnings,
    };
    const appConfigText = YAML.stringify(appConfig);
    const stateText = JSON.stringify(state, null, 2);

    if (installed.length === 0 && removed.length === 0) {
      // Same plugins: only the merged config or the state may differ.
      await writeIfChanged(path.join(root, APP_CONFIG_FILE), appConfigText);
      await writeIfChanged(path.join(root, STATE_FILE), stateText);
    } else {
      const dir = await getStaging();
      await fs.writeFile(path.join(dir, APP_CONFIG_FILE), appConfigText);
      await fs.writeFile(path.join(dir, STATE_FILE), stateText);
      await switchRoot(root, { staging: dir, replace: installed, remove: removed, files: [APP_CONFIG_FILE, STATE_FILE] });
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
async function isUnchanged(root: string, configFile: string, state: InstallState, settingsKey: unknown): Promise<boolean> {
  if (!state.offline || state.files[0] !== configFile) return false;
  if ((await hashInputs(state.files, settingsKey)) !== state.inputs) return false;
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

async function installOne(
  plugin: ResolvedPlugin,
  previous: Record<string, InstalledRecord>,
  root: string,
  getStaging: () => Promise<string>,
  settings: InstallSettings,
): Promise<PluginOutcome> {
  const base = { key: plugin.key, package: plugin.package };
  if (!plugin.isEnabled) return { ...base, status: 'disabled' };
  try {
    if (plugin.preInstalled && !isLocalPath(plugin.package)) {
      return { ...base, status: 'unchanged', record: await findPreInstalled(plugin, root) };
    }
    const source = sourceFor(plugin);
    const sourceFingerprint = await source.fingerprint(plugin, settings);
    const fingerprint = sourceFingerprint
      ? hash(JSON.stringify([plugin.package, plugin.integrity, plugin.pullPolicy, plugin.preInstalled, sourceFingerprint]))
      : `forced:${crypto.randomUUID()}`;
    const old = previous[plugin.key];
    if (old && old.fingerprint === fingerprint && (await isIntact(root, old))) {
      return { ...base, status: 'unchanged', record: old };
    }
    settings.log(`${plugin.package}: fetching (${source.kind})`);
    const staging = await getStaging();
    const fetchDir = path.join(staging, `.fetch-${crypto.randomUUID()}`);
    await fs.mkdir(fetchDir);
    const fetched = await source.fetch({ plugin, stagingDir: fetchDir, settings });
    const target = path.join(staging, fetched.record.folder);
    await fs.rename(fetched.dir, target).catch(() => {
      throw new InstallError(`${plugin.package}: another plugin is also installed as ${fetched.record.folder}`, 'FOLDER_CLASH');
    });
    settings.log(`${plugin.package}: installed ${fetched.record.name}@${fetched.record.version}`);
    return {
      ...base,
      status: 'installed',
      record: { ...fetched.record, key: plugin.key, package: plugin.package, fingerprint, sourceFingerprint },
    };
  } catch (error) {
    const e = error instanceof InstallError ? error : new InstallError(`${plugin.package}: ${(error as Error).message}`, 'INSTALL_FAILED');
    return { ...base, status: 'failed', error: { code: e.code, message: e.message } };
  }
}

/**
 * `preInstalled: true` for a package that is not a local folder: it must
 * already be in the root (put there by an image build, say). Nothing is
 * fetched; its config is merged all the same.
 */
async function findPreInstalled(plugin: ResolvedPlugin, root: string): Promise<InstalledRecord> {
  const wanted = plugin.key.includes('@npm:') ? plugin.key.split('@npm:')[1] : plugin.key;
  for (const folder of await fs.readdir(root)) {
    if (folder.startsWith('.')) continue;
    const pkg = await fs
      .readFile(path.join(root, folder, 'package.json'), 'utf8')
      .then(text => JSON.parse(text), () => undefined);
    if (pkg?.name === wanted) {
      return { key: plugin.key, package: plugin.package, folder, name: pkg.name, version: pkg.version, source: 'local', fingerprint: 'preinstalled' };
    }
  }
  throw new InstallError(`${plugin.package}: marked preInstalled but no folder in ${root} holds ${wanted}`, 'PREINSTALLED_MISSING');
}

function sourceFor(plugin: ResolvedPlugin): PluginSource {
  if (plugin.package.startsWith('oci://')) return ociSource;
  if (isLocalPath(plugin.package) && !isTarball(plugin.package)) return localSource;
  return npmSource;
}

const isTarball = (spec: string) => spec.endsWith('.tgz') || spec.endsWith('.tar.gz');

function findFolderClash(outcomes: PluginOutcome[]): PluginOutcome | undefined {
  const seen = new Map<string, PluginOutcome>();
  for (const outcome of outcomes) {
    const other = seen.get(outcome.record!.folder);
    if (other) {
      const message = `${outcome.package} and ${other.package} would both be installed as ${outcome.record!.folder}`;
      return { key: outcome.key, package: outcome.package, status: 'failed', error: { code: 'FOLDER_CLASH', message } };
    }
    seen.set(outcome.record!.folder, outcome);
  }
  return undefined;
}

const hash = (text: string) => crypto.createHash('sha256').update(text).digest('hex');

/** Runs `fn` over `items` with at most `limit` at a time, keeping order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  });
  await Promise.all(workers);
  return results;
}
