import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { stringify } from 'yaml';
import { RHDH_ENTITIES_DIR } from './oci';
import { API_PREFIX, ROLE_KINDS } from './rhdh';
import type { ReadCatalogEntry } from './types';

/**
 * Writes RHDH's catalog index image layout (the one `rhdh.ts` reads: same
 * folders, kinds and fields), so that what `devportal catalog build
 * --publish` exports is offered to RHDH portals and to ours alike. Each
 * entry becomes one Plugin and one Package entity of the same name (its id),
 * which the reader maps back to an entry with that id.
 */

/** RHDH's default plugin list at the image root (RHDH reads it; our reader does not need it). */
export const RHDH_DEFAULT_PLUGINS_FILE = 'dynamic-plugins.default.yaml';

const API_VERSION = `${API_PREFIX}v1alpha1`;

/** An entry whose newest version is the published package (`oci://repo@digest!folder`), and its package's backstage.role when known. */
export interface RhdhIndexItem {
  /** Where it was read from does not travel with it. */
  entry: Omit<ReadCatalogEntry, 'origin'>;
  role?: string;
}

/** The role RHDH names a kind by, unless the package's own `backstage.role` is one the reader knows. */
function roleOf(item: RhdhIndexItem): string {
  if (item.role && ROLE_KINDS[item.role] === item.entry.kind) return item.role;
  return Object.keys(ROLE_KINDS).find(role => ROLE_KINDS[role] === item.entry.kind)!;
}

/** The image's files, path → text: `catalog-entities/extensions/{plugins,packages}/<id>.yaml` and `dynamic-plugins.default.yaml`. */
export function rhdhIndexFiles(items: RhdhIndexItem[]): Record<string, string> {
  const files: Record<string, string> = {};
  const defaults: Array<Record<string, unknown>> = [];
  for (const item of items) {
    const { entry } = item;
    const version = entry.versions[0];
    files[`${RHDH_ENTITIES_DIR}/plugins/${entry.id}.yaml`] = stringify({
      apiVersion: API_VERSION,
      kind: 'Plugin',
      metadata: { name: entry.id, title: entry.title, description: entry.description },
      spec: {
        categories: [entry.category],
        ...(entry.icon ? { icon: entry.icon } : {}),
        ...(entry.readme ? { description: entry.readme } : {}),
        packages: [entry.id],
      },
    });
    files[`${RHDH_ENTITIES_DIR}/packages/${entry.id}.yaml`] = stringify({
      apiVersion: API_VERSION,
      kind: 'Package',
      metadata: { name: entry.id, title: entry.title },
      spec: {
        packageName: entry.name,
        version: version.version,
        dynamicArtifact: version.package,
        ...(version.integrity ? { integrity: version.integrity } : {}),
        backstage: { role: roleOf(item), ...(version.backstageVersion ? { supportedVersions: version.backstageVersion } : {}) },
        partOf: [entry.id],
        ...(entry.defaultConfig ? { appConfigExamples: [{ title: 'Default configuration', content: entry.defaultConfig }] } : {}),
      },
    });
    // As RHDH's generator writes it: every plugin listed, off until the portal enables it.
    defaults.push({ package: version.package, disabled: true, ...(entry.defaultConfig ? { pluginConfig: entry.defaultConfig } : {}) });
  }
  files[RHDH_DEFAULT_PLUGINS_FILE] = stringify({ plugins: defaults });
  return files;
}

/** Pushes `rhdhIndexFiles(items)` as a one-layer image (RHDH builds it `FROM scratch` with one COPY); resolves to its digest. */
export async function publishRhdhCatalogIndex(options: {
  reference: string;
  items: RhdhIndexItem[];
  insecureRegistries?: string[];
}): Promise<{ digest: string }> {
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-catalog-index-'));
  try {
    const root = path.join(work, 'root');
    for (const [name, text] of Object.entries(rhdhIndexFiles(options.items))) {
      await fs.mkdir(path.dirname(path.join(root, name)), { recursive: true });
      await fs.writeFile(path.join(root, name), text);
    }
    const layer = path.join(work, 'layer.tar.gz');
    await tar.create({ gzip: true, cwd: root, file: layer, portable: true }, [RHDH_ENTITIES_DIR.split('/')[0], RHDH_DEFAULT_PLUGINS_FILE]);
    const { pushImage } = await import('../publish/push');
    const digest = await pushImage(options.reference, { layers: [{ file: layer }], insecureRegistries: options.insecureRegistries });
    return { digest };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
