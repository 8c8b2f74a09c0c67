import fs from 'node:fs/promises';
import { publishOciImage } from '@devportal/plugin-installer';
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

/**
 * Publishes the built plugins as one OCI image in RHDH's layout (the
 * installer's `publishOciImage`: one folder per plugin, listed in the
 * `io.backstage.dynamic-packages` annotation), then writes the index: the
 * entries as a catalog list file whose packages point into that image by
 * digest, so a portal without build tools installs from it
 * (`{ type: 'file' }` or `{ type: 'url' }` catalog source). Only entries
 * whose smoke test passed are published, unless no smoke ran.
 */
export async function publishCatalog(
  rows: Array<BuildOutcome & { smoke?: SmokeResult }>,
  options: PublishOptions,
): Promise<{ digest: string; published: string[] }> {
  const chosen = rows.filter(r => r.dir && (!r.smoke || r.smoke.result === 'pass'));
  if (chosen.length === 0) throw new Error('nothing to publish: no entry built and passed its smoke test');
  options.log(`publish: ${chosen.length} plugins to ${options.reference}`);
  const { digest } = await publishOciImage({
    reference: options.reference,
    pluginDirs: chosen.map(r => r.dir!),
    insecureRegistries: options.insecureRegistries,
  });
  const repository = options.reference.replace(/:[^:/]+$/, '');
  await fs.writeFile(options.indexFile, publishedIndex(chosen, repository, digest));
  options.log(`publish: ${digest}; index ${options.indexFile}`);
  return { digest, published: chosen.map(r => r.entry.id) };
}

/** The published entries as a catalog list file: the same entries, their package now `oci://repo@digest!folder`. */
export function publishedIndex(rows: Array<BuildOutcome & { smoke?: SmokeResult }>, repository: string, digest: string): string {
  const entries = rows.map(r => {
    const { origin: _origin, needsExport: _needsExport, smoke: _smoke, versions, ...entry } = r.entry;
    const folder = r.dir!.split('/').pop()!;
    const version = versions[0];
    return {
      ...entry,
      source: 'oci',
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
  return `# Written by devportal catalog build --publish: the plugins of one OCI image, by digest.\n${stringify(entries)}`;
}
