import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';
import { readRhdhEntities } from './rhdh';
import type { CatalogReadResult } from './types';

/** For messages: credentials in front of the host hidden, long input cut (as the OCI client's messages do). */
function redactReference(reference: string): string {
  const out = reference.replace(/^(oci:\/\/)[^/]*@/, '$1***@');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

/** The folder of RHDH's Extensions entities in a catalog index image. */
export const RHDH_ENTITIES_DIR = 'catalog-entities/extensions';

/** Most layers of a catalog index image. */
export const MAX_CATALOG_LAYERS = 16;

export interface OciCatalogOptions {
  insecureRegistries?: string[];
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  retries: number;
  maxFileBytes: number;
  maxImageBytes: number;
  workDir?: string;
}

/**
 * Reads an RHDH catalog index image (`quay.io/rhdh/plugin-catalog-index:1.10`,
 * with or without `oci://`): pulled with the installer's OCI client (digest
 * verified as it streams), and only its `catalog-entities/extensions/` folder
 * extracted with the installer's safe extraction, within `maxImageBytes`.
 * Layers are applied in order, a later file replacing an earlier one, as an
 * image's filesystem would (whiteout files are not interpreted: index images
 * are built `FROM scratch` in one step).
 */
export async function readOciCatalog(image: string, options: OciCatalogOptions): Promise<CatalogReadResult> {
  const reference = image.startsWith('oci://') ? image : `oci://${image}`;
  const shown = redactReference(reference);
  if (reference.includes('!')) {
    return { entries: [], errors: [`${shown}: a catalog index image is read whole; remove the '!folder' part`] };
  }
  const work = await fs.mkdtemp(path.join(options.workDir ?? os.tmpdir(), 'devportal-catalog-'));
  try {
    const merged = path.join(work, 'entities');
    const found = await pullEntities(reference, merged, work, options);
    if (!found) {
      return { entries: [], errors: [`${shown}: the image has no ${RHDH_ENTITIES_DIR}/ folder; is it an RHDH catalog index image?`] };
    }
    return await readRhdhEntities(merged, { origin: shown, label: `${shown} ${RHDH_ENTITIES_DIR}`, maxBytes: options.maxFileBytes });
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { entries: [], errors: [message.includes(shown) ? message : `${shown}: ${message}`] };
  } finally {
    await fs.rm(work, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function pullEntities(reference: string, merged: string, work: string, options: OciCatalogOptions): Promise<boolean> {
  // Loaded on first use, like the installer's own OCI source.
  const { OciClient } = await import('../oci/client');
  const { extractTarball } = await import('../extract');
  const client = new OciClient({
    insecureRegistries: options.insecureRegistries,
    env: options.env,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    // The client refuses a manifest over these before any layer is fetched.
    // Index images are built FROM scratch in one COPY: a few layers at most.
    limits: { maxLayers: MAX_CATALOG_LAYERS, maxLayerBytes: options.maxImageBytes, maxImageBytes: options.maxImageBytes },
  });
  const manifest = await client.getManifest(reference);
  let found = false;
  let budget = options.maxImageBytes;
  for (const [index, layer] of manifest.layers.entries()) {
    const file = path.join(work, `layer-${index}`);
    await client.fetchBlob(reference, layer.digest, file, { maxBytes: options.maxImageBytes, expectedSize: layer.size });
    const dest = path.join(work, `layer-${index}.d`);
    try {
      const extracted = await extractTarball(file, dest, {
        prefix: RHDH_ENTITIES_DIR,
        maxEntryBytes: options.maxFileBytes,
        maxTotalBytes: Math.max(1, budget),
        name: `${redactReference(reference)} layer ${layer.digest}`,
      });
      budget -= extracted.bytes;
    } catch (error) {
      // A layer without the folder (a base layer, say) is not an error.
      if (error instanceof InstallError && error.code === 'EMPTY_ARCHIVE') continue;
      throw error;
    } finally {
      await fs.rm(file, { force: true });
    }
    await fs.cp(dest, merged, { recursive: true, force: true, verbatimSymlinks: true });
    await fs.rm(dest, { recursive: true, force: true });
    found = true;
  }
  return found;
}
