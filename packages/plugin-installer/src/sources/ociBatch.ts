import crypto from 'node:crypto';
import path from 'node:path';
import type { OciReference } from '../oci';
import type { InstallSettings } from './types';

/*
 * The plugins one run takes from the same single-layer OCI image are
 * extracted from the layer in one pass (`extractTarballFolders`) rather than
 * one pass per plugin: each pass decompressed and parsed the whole layer,
 * which for an image of 10 plugins was most of a cold install's CPU. The
 * batch is only a shortcut: when it fails for any reason, every plugin
 * extracts on its own as before, so each failure is reported by the plugin
 * it belongs to, with the same checks and messages.
 */

/** One key per image and version: what `pullImage` shares, and what a batch covers. */
export function imageKey(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}@${ref.digest ?? ref.tag}`;
}

export interface BatchImage {
  annotations: Record<string, string> | undefined;
  /** Downloaded, digest-verified layer files. */
  layers: string[];
}

/**
 * The folder holding `pluginPath`, extracted with the other plugins of the
 * image that this run wants, to be moved into place by the caller; or
 * undefined when the plugin is to be extracted on its own (a multi-layer
 * image, one plugin only, a failed batch, or a folder already taken).
 */
export async function takeBatched(
  ref: OciReference,
  image: BatchImage,
  pluginPath: string,
  settings: InstallSettings,
): Promise<string | undefined> {
  // A folder may be in any layer of a multi-layer image: those keep the per-plugin search.
  if (image.layers.length !== 1) return undefined;
  const key = `oci-batch:${imageKey(ref)}`;
  let pending = settings.cache.get(key) as Promise<Map<string, string> | undefined> | undefined;
  if (!pending) {
    pending = extractBatch(ref, image, settings).catch(() => undefined);
    settings.cache.set(key, pending);
  }
  const dirs = await pending;
  const dir = dirs?.get(pluginPath);
  // Taken once: a second plugin naming the same folder extracts its own copy.
  if (dir) dirs!.delete(pluginPath);
  return dir;
}

async function extractBatch(ref: OciReference, image: BatchImage, settings: InstallSettings) {
  const { choosePluginPath } = await import('../oci/annotations');
  const wanted = new Set<string>();
  for (const plugin of settings.plugins ?? []) {
    // Pre-installed plugins are never fetched; invalid specs fail on their own.
    if (!plugin.isEnabled || plugin.preInstalled || plugin.spec.type !== 'oci') continue;
    const other = plugin.spec.reference;
    if (imageKey(other) !== imageKey(ref)) continue;
    try {
      wanted.add(choosePluginPath(other, image.annotations));
    } catch {
      // Reported by that plugin's own fetch.
    }
  }
  // One plugin gains nothing from a batch.
  if (wanted.size < 2) return undefined;
  const folders = [...wanted];
  const { extractTarballFolders } = await import('../extract');
  const scratch = path.join(await settings.downloads(), `${crypto.randomUUID()}.plugins`);
  const dirs = await extractTarballFolders(image.layers[0], scratch, folders, {
    maxEntryBytes: settings.maxEntryBytes,
    maxTotalBytes: settings.maxArchiveBytes,
  });
  return new Map(folders.map((folder, i) => [folder, dirs[i]]));
}
