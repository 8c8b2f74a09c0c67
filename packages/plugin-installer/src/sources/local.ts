import fs from 'node:fs/promises';
import path from 'node:path';
import type { ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import type { SpecFor } from '../spec/classify';
import { verifyArtifact } from '../verify/artifact';
import type { FetchRequest, FetchResult, InstallSettings, PluginSource } from './types';
import { folderFingerprint } from '../folderFingerprint';

/**
 * Plugin folders on this machine: DevPortal's bundled `dynamic-plugins/` and
 * any local path. Copied into the root; a changed folder (any file added,
 * removed, resized or touched) is copied again. There is no pin to verify a
 * folder against: the copy's content hash is recorded instead.
 */
export const localSource: PluginSource<'local'> = {
  kind: 'local',

  checksOffline({ plugin }) {
    return !plugin.forceDownload;
  },

  async fingerprint({ plugin, spec }, settings) {
    if (plugin.forceDownload) return undefined;
    return localFingerprint(await packageDir(plugin, spec, settings));
  },

  async fetch({ plugin, spec, stagingDir, settings }: FetchRequest<'local'>): Promise<FetchResult> {
    const source = await packageDir(plugin, spec, settings);
    const pkg = await readPackageJson(source, plugin);
    const folder = path.basename(source);
    const dir = path.join(stagingDir, folder);
    // Copies links as links; a plugin's own node_modules may use them.
    await fs.cp(source, dir, { recursive: true, verbatimSymlinks: true });
    // Of the copy: what is installed is what is hashed.
    const { hash } = await verifyArtifact({ kind: 'local-folder', dir, subject: plugin.package });
    return { dir, record: { folder, name: pkg.name, version: pkg.version, source: 'local', sourceDir: source, contentHash: hash } };
  },
};

async function packageDir(plugin: ResolvedPlugin, spec: SpecFor<'local'>, settings: InstallSettings) {
  const dir = path.resolve(settings.configDir, spec.path);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (!stat?.isDirectory()) {
    throw new InstallError(`${plugin.package}: no such folder (${dir})`, 'LOCAL_PACKAGE_MISSING');
  }
  return dir;
}

async function readPackageJson(dir: string, plugin: ResolvedPlugin): Promise<{ name: string; version: string }> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    if (typeof pkg.name === 'string' && typeof pkg.version === 'string') return pkg;
  } catch {
    // reported below
  }
  throw new InstallError(`${plugin.package}: ${dir} holds no package.json with a name and version`, 'NOT_A_PACKAGE');
}

export { folderFingerprint };

export async function localFingerprint(dir: string): Promise<string> {
  return `local:${dir}:${await folderFingerprint(dir)}`;
}

