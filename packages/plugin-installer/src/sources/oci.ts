import crypto from 'node:crypto';
import path from 'node:path';
import fs from 'node:fs/promises';
import { InstallError } from '../errors';
import type { OciClient, OciReference, PulledManifest } from '../oci';
import { formatOciReference } from '../oci/reference';
import { verifyArtifact } from '../verify/artifact';
import { imageKey, takeBatched } from './ociBatch';
import type { FetchRequest, FetchResult, InstallSettings, PluginSource, SourcePlugin } from './types';

/**
 * Plugins from OCI images (RHDH's layout: one layer holding a folder per
 * plugin, listed in the `io.backstage.dynamic-packages` annotation). Each
 * image is pulled once per run however many plugins come from it, and every
 * blob passes `verifyArtifact` (its digest) before it is extracted.
 */
export const ociSource: PluginSource<'oci'> = {
  kind: 'oci',

  checksOffline({ plugin, spec }) {
    if (plugin.forceDownload) return false;
    const ref = spec.reference;
    const always = plugin.pullPolicy === 'Always' || (!plugin.pullPolicy && ref.tag === 'latest');
    return !!ref.digest || !always;
  },

  async fingerprint(target, settings) {
    requireDigest(target, settings);
    const { plugin, spec } = target;
    if (plugin.forceDownload) return undefined;
    if (this.checksOffline(target)) return `oci:${plugin.package}`;
    // Always: what the tag points at now (a HEAD request, no download).
    const digest = await withFlagHint(async () => (await clientFor(settings)).headManifestDigest(spec.reference));
    return `oci:${plugin.package}:${digest}`;
  },

  async fetch({ plugin, spec, stagingDir, settings }: FetchRequest<'oci'>): Promise<FetchResult> {
    requireDigest({ plugin, spec }, settings);
    const ref = spec.reference;
    const image = await pullImage(ref, settings);
    // Loaded on first use: an unchanged re-run never talks to a registry.
    const { choosePluginPath } = await import('../oci/annotations');
    const { extractTarball } = await import('../extract');
    const pluginPath = choosePluginPath(ref, image.manifest.annotations);
    const dir = path.join(stagingDir, pluginPath);
    const batched = await takeBatched(ref, { annotations: image.manifest.annotations, layers: image.layers }, pluginPath, settings);
    if (batched) await fs.rename(batched, dir);
    let found = !!batched;
    // RHDH reads the first layer only; a plugin folder may be in any of them.
    const layers = batched ? [] : image.layers;
    for (const layer of layers) {
      try {
        await extractTarball(layer, dir, {
          prefix: pluginPath,
          maxEntryBytes: settings.maxEntryBytes,
          maxTotalBytes: settings.maxArchiveBytes,
        });
        found = true;
        break;
      } catch (error) {
        if (!(error instanceof InstallError && error.code === 'EMPTY_ARCHIVE')) throw error;
      }
    }
    if (!found) {
      throw new InstallError(`${plugin.package}: the image has no folder '${pluginPath}'`, 'OCI_PLUGIN_NOT_IN_IMAGE');
    }
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8').catch(() => '{}'));
    if (typeof pkg.name !== 'string' || typeof pkg.version !== 'string') {
      throw new InstallError(`${plugin.package}: '${pluginPath}' holds no package.json with a name and version`, 'NOT_A_PACKAGE');
    }
    return {
      dir,
      record: { folder: pluginPath, name: pkg.name, version: pkg.version, source: 'oci', digest: image.manifest.digest },
    };
  },
};

/**
 * `requireOciDigest`: a tag can be moved by whoever controls the registry,
 * so only a digest pins what is installed. Named by the entry's place in the
 * config file, where the pin has to be added.
 */
function requireDigest({ plugin, spec }: SourcePlugin<'oci'>, settings: InstallSettings) {
  if (!settings.requireOciDigest || spec.reference.digest) return;
  // As config/parse's formatLocation, which is not imported for it: it would load yaml.
  const loc = plugin.keyLocations.package ?? plugin.location;
  throw new InstallError(
    `${loc.file}:${loc.line}:${loc.col}: ${plugin.package} names the image by tag only; ` +
      'digests are required (--require-oci-digest): pin it as oci://host/repo@sha256:<digest>',
    'OCI_DIGEST_REQUIRED',
  );
}

interface PulledImage {
  manifest: PulledManifest;
  /** Downloaded, digest-verified layer files. */
  layers: string[];
}

/** Pulls an image once per run; plugins from the same image share the download. */
function pullImage(ref: OciReference, settings: InstallSettings): Promise<PulledImage> {
  const key = `oci-image:${imageKey(ref)}`;
  let pending = settings.cache.get(key) as Promise<PulledImage> | undefined;
  if (!pending) {
    pending = withFlagHint(async () => {
      const client = await clientFor(settings);
      // Refuses too many layers, and layers or an image too large by their
      // declared sizes, before anything is downloaded. A digest the trust
      // step resolved from a tag reuses the manifest it fetched for it: its
      // bytes hashed to that digest, which is what a fetch by digest checks.
      const resolved = ref.digest ? (settings.cache.get(resolvedKey(ref, ref.digest)) as Promise<PulledManifest> | undefined) : undefined;
      const manifest = await (resolved ?? client.getManifest(ref));
      const layers: string[] = [];
      for (const layer of manifest.layers) {
        const file = path.join(await settings.downloads(), `${crypto.randomUUID()}.layer`);
        // Held to the declared size while streaming, so the declared total
        // checked above also bounds what is written.
        await client.fetchBlob(ref, layer.digest, file, { maxBytes: settings.oci.maxLayerBytes, expectedSize: layer.size });
        await verifyArtifact({ kind: 'oci-blob', file, digest: layer.digest, subject: `layer ${layer.digest} of ${formatOciReference(ref)}` });
        layers.push(file);
      }
      return { manifest, layers };
    });
    settings.cache.set(key, pending);
  }
  return pending;
}

const resolvedKey = (ref: OciReference, digest: string) => `oci-resolved:${ref.registry}/${ref.repository}@${digest}`;

/**
 * The digest a tag points at now, from one GET of its manifest (checked
 * against the limits like any pull), once per run and tag. The manifest is
 * kept for the run, so that pulling the image pinned to that digest does not
 * ask for it again: for the trust step, which pins a tag to the digest it
 * verified, this replaces a HEAD and a GET by one GET.
 */
export function resolveTag(client: OciClient, ref: OciReference, settings: InstallSettings): Promise<string> {
  const key = `oci-tag:${ref.registry}/${ref.repository}:${ref.tag}`;
  let pending = settings.cache.get(key) as Promise<PulledManifest> | undefined;
  if (!pending) {
    pending = withFlagHint(async () => {
      const manifest = await client.getManifest({ registry: ref.registry, repository: ref.repository, tag: ref.tag });
      // Kept before the digest is handed out, so the pinned pull finds it.
      settings.cache.set(resolvedKey(ref, manifest.resolvedDigest), Promise.resolve(manifest));
      return manifest;
    });
    settings.cache.set(key, pending);
  }
  return pending.then(manifest => manifest.resolvedDigest);
}

/** The flag that raises each OCI limit, named in its error so the fix is one step away. */
const LIMIT_FLAGS: Record<string, string> = {
  OCI_TOO_MANY_LAYERS: '--max-oci-layers',
  BLOB_TOO_LARGE: '--max-oci-layer-size',
  OCI_IMAGE_TOO_LARGE: '--max-oci-image-size',
  OCI_MANIFEST_TOO_LARGE: '--max-oci-manifest-size',
};

async function withFlagHint<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const flag = error instanceof InstallError ? LIMIT_FLAGS[error.code] : undefined;
    if (!flag) throw error;
    throw new InstallError(`${(error as InstallError).message} (raise it with ${flag})`, (error as InstallError).code);
  }
}

/** One client per run, so registry tokens are fetched once. */
const clients = new WeakMap<InstallSettings, OciClient>();

/** One OCI client per run (its registry tokens are reused): pulls and the trust step's signature lookups. */
export async function clientFor(settings: InstallSettings): Promise<OciClient> {
  let client = clients.get(settings);
  if (!client) {
    const { OciClient } = await import('../oci/client');
    client = new OciClient({
      insecureRegistries: settings.insecureRegistries,
      timeoutMs: settings.network.timeoutMs,
      retries: settings.network.retries,
      retryBaseDelayMs: settings.network.minBackoffMs,
      env: settings.env,
      limits: settings.oci,
    });
    clients.set(settings, client);
  }
  return client;
}
