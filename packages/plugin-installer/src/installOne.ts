import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedPlugin } from './config/layers';
import { InstallError } from './errors';
import { folderFingerprint } from './folderFingerprint';
import { requireSafePluginDir } from './pluginDir';
import type { PluginOutcome } from './install';
import { isOnThisMachine } from './spec/classify';
import { sourceFor } from './sources/registry';
import type { InstalledRecord, InstallSettings } from './sources/types';
import { isIntact } from './state';
import type { TrustPolicy } from './trust/policy';

/*
 * One plugin's way through an install: skip it (disabled, pre-installed,
 * unchanged) or fetch it into the staging folder. Loaded by `install.ts`
 * only when something may have changed.
 */

/** Installs one plugin into the staging folder; a failure is its outcome, never thrown. */
export async function installOne(
  plugin: ResolvedPlugin,
  previous: Record<string, InstalledRecord>,
  root: string,
  getStaging: () => Promise<string>,
  settings: InstallSettings,
  trustPolicy?: TrustPolicy,
): Promise<PluginOutcome> {
  const base = { key: plugin.key, package: plugin.package };
  if (!plugin.isEnabled) return { ...base, status: 'disabled' };
  try {
    if (plugin.preInstalled && !isOnThisMachine(plugin.spec)) {
      return { ...base, status: 'unchanged', record: await findPreInstalled(plugin, root) };
    }
    const source = sourceFor(plugin);
    const sourceFingerprint = await source.fingerprint(settings);
    // The trust module is loaded only with a policy: without one nothing changes.
    const trustModule = trustPolicy ? await import('./trust/check') : undefined;
    const trust = trustModule?.trustFor(plugin, trustPolicy, settings);
    // A policy that checks this plugin is part of what it was installed under:
    // changing it verifies again; without one the fingerprint is as before.
    const trustPart = trust && trust.mode !== 'off' ? [trust.fingerprint] : [];
    const fingerprint = sourceFingerprint
      ? hash(JSON.stringify([plugin.package, plugin.integrity, plugin.pullPolicy, plugin.preInstalled, sourceFingerprint, ...trustPart]))
      : `forced:${crypto.randomUUID()}`;
    const old = previous[plugin.key];
    if (old && old.fingerprint === fingerprint && (await isIntact(root, old))) {
      return { ...base, status: 'unchanged', record: old };
    }
    // Signatures are checked before anything is downloaded, and the fetch is
    // pinned to what they cover (trust/check.ts).
    const checked = trustModule ? await trustModule.checkTrust(plugin, trust, settings) : undefined;
    settings.log(`${plugin.package}: fetching (${source.kind})`);
    const staging = await getStaging();
    const fetchDir = path.join(staging, `.fetch-${crypto.randomUUID()}`);
    await fs.mkdir(fetchDir);
    const fetched = await (checked ? sourceFor(checked.plugin) : source).fetch(fetchDir, checked?.settings ?? settings);
    const target = path.join(staging, requireSafePluginDir(fetched.record.folder, plugin.package, staging));
    await fs.rename(fetched.dir, target).catch(() => {
      throw new InstallError(`${plugin.package}: another plugin is also installed as ${fetched.record.folder}`, 'FOLDER_CLASH');
    });
    if (settings.vet) {
      const pkg = JSON.parse(await fs.readFile(path.join(target, 'package.json'), 'utf8'));
      const problem = settings.vet(pkg);
      if (problem) throw new InstallError(`${plugin.package}: ${problem}`, 'INCOMPATIBLE');
    }
    const installedPrint = await folderFingerprint(target);
    settings.log(`${plugin.package}: installed ${fetched.record.name}@${fetched.record.version}`);
    return {
      ...base,
      status: 'installed',
      record: {
        ...fetched.record,
        key: plugin.key,
        package: plugin.package,
        fingerprint,
        sourceFingerprint,
        folderFingerprint: installedPrint,
        ...(checked ? { trust: checked.result } : {}),
      },
    };
  } catch (error) {
    const e = error instanceof InstallError ? error : new InstallError(`${plugin.package}: ${(error as Error).message}`, 'INSTALL_FAILED');
    return { ...base, status: 'failed', error: { code: e.code, message: e.message } };
  }
}

/** Whether a plugin can be re-checked on the next run without a registry. */
export function checksOffline(plugin: ResolvedPlugin): boolean {
  return !plugin.isEnabled || !!plugin.preInstalled || sourceFor(plugin).checksOffline();
}

/**
 * `preInstalled: true` for a package that is not on this machine: it must
 * already be in the root (put there by an image build, say). Nothing is
 * fetched; its config is merged all the same.
 */
async function findPreInstalled(plugin: ResolvedPlugin, root: string): Promise<InstalledRecord> {
  // The package name a folder must hold: an alias's real package, else the key.
  const wanted = plugin.spec.type === 'registry' ? plugin.spec.name : plugin.key;
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

/** Two plugins that would land in the same folder: the second one, failed. */
export function findFolderClash(outcomes: PluginOutcome[]): PluginOutcome | undefined {
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
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
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
