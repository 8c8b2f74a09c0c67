import fs from 'node:fs/promises';
import { publishOciImage, publishRhdhCatalogIndex, type ReadCatalogEntry } from '@devportal/plugin-installer';
import { stringify } from 'yaml';
import type { BuildOutcome } from './exportEntry';
import type { SmokeResult } from './verdict';

export interface PublishOptions {
  /** `oci://host[:port]/repo:tag`: the image all published plugins go into. */
  reference: string;
  /** Where the index of what was published is written (a DevPortal catalog list file). */
  indexFile: string;
  insecureRegistries: string[];
  log(message: string): void;
}

type Row = BuildOutcome & { smoke?: SmokeResult };
/** An entry as published: where the build read it from is not part of it. */
type PublishedEntry = Omit<ReadCatalogEntry, 'origin'>;

/** The catalog index image goes beside the plugin image, in the same repository: tag `<tag>-index`. */
export function indexImageReference(reference: string): string {
  const tag = /:([^:/@]+)$/.exec(reference)?.[1];
  return tag ? `${reference.slice(0, -tag.length - 1)}:${tag}-index` : `${reference}:latest-index`;
}

/**
 * Publishes the built plugins as one OCI image in RHDH's layout (the
 * installer's `publishOciImage`: one folder per plugin, listed in the
 * `io.backstage.dynamic-packages` annotation), then their index twice, both
 * pointing into that image by digest, so a portal without build tools
 * installs from it: as a DevPortal catalog list file (`{ type: 'file' }` or
 * `{ type: 'url' }` source; keeps `needs` and `sizeBytes`), and as an RHDH
 * catalog index image at `indexImageReference` (`{ type: 'oci' }` source,
 * and what RHDH's `CATALOG_INDEX_IMAGE` reads). Either can be a portal's
 * `presetsCatalog`. Only entries whose smoke test passed are published,
 * unless no smoke ran.
 */
export async function publishCatalog(
  rows: Row[],
  options: PublishOptions,
): Promise<{ digest: string; published: string[]; indexImage: { reference: string; digest: string } }> {
  const chosen = rows.filter(r => r.dir && (!r.smoke || r.smoke.result === 'pass'));
  if (chosen.length === 0) throw new Error('nothing to publish: no entry built and passed its smoke test');
  options.log(`publish: ${chosen.length} plugins to ${options.reference}`);
  const { digest } = await publishOciImage({
    reference: options.reference,
    pluginDirs: chosen.map(r => r.dir!),
    insecureRegistries: options.insecureRegistries,
  });
  const repository = options.reference.replace(/:[^:/]+$/, '');
  const entries = publishedEntries(chosen, repository, digest);
  await fs.writeFile(options.indexFile, publishedIndex(entries));
  options.log(`publish: ${digest}; index ${options.indexFile}`);
  const reference = indexImageReference(options.reference);
  const index = await publishRhdhCatalogIndex({
    reference,
    items: entries.map((entry, i) => ({ entry, role: chosen[i].result?.role })),
    insecureRegistries: options.insecureRegistries,
  });
  options.log(`publish: catalog index image ${reference} (${index.digest})`);
  return { digest, published: chosen.map(r => r.entry.id), indexImage: { reference, digest: index.digest } };
}

/** The published entries: the same entries, their package now `oci://repo@digest!folder` (`source: oci`, no `needsExport`, no `smoke`). */
export function publishedEntries(rows: Row[], repository: string, digest: string): PublishedEntry[] {
  return rows.map(r => {
    const { origin: _origin, needsExport: _needsExport, smoke: _smoke, versions, ...entry } = r.entry;
    const folder = r.dir!.split('/').pop()!;
    const version = versions[0];
    return {
      ...entry,
      source: 'oci' as const,
      versions: [
        {
          version: version.version,
          package: `${repository}@${digest}!${folder}`,
          ...(version.backstageVersion ? { backstageVersion: version.backstageVersion } : {}),
          ...(r.result?.bytes ? { sizeBytes: r.result.bytes } : {}),
        },
      ],
    };
  });
}

/** The published entries as a catalog list file. */
export function publishedIndex(entries: PublishedEntry[]): string {
  return `# Written by devportal catalog build --publish: the plugins of one OCI image, by digest.\n${stringify(entries)}`;
}
