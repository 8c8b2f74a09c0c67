import { resolvePluginConfig, type ResolvedConfig } from '@devportal/plugin-installer';
import { fileSignature, statOrUndefined, statSignature } from '../fileSignature';

/**
 * The base file (dynamic-plugins.yaml with its includes and presets) as
 * resolvePluginConfig reads it, kept while none of the files it read
 * changed. An apply reads it first thing; on a backend busy serving, each of
 * the file reads behind it waits its turn, and together they were the
 * longest step between Apply and the installer's start (about 0.4 s at 200
 * clients). A stat of each file says whether the copy still holds.
 *
 * Callers share the result and only read it (the layering builds new
 * lists); it may hold key objects of the trust policy, so it is not copied.
 */
export async function resolveBaseConfig(baseFile: string): Promise<ResolvedConfig> {
  const kept = cache.get(baseFile);
  if (kept && kept.signature === signatureOf(kept.files)) return kept.resolved;
  const resolved = await resolvePluginConfig(baseFile);
  const now = Date.now();
  const stats = resolved.files.map(statOrUndefined);
  // A file changed within the last moments may change again within the
  // same timestamp (file times are coarse on some file systems): not kept.
  if (stats.every(stat => stat === undefined || now - stat.mtimeMs > RACY_MS)) {
    cache.set(baseFile, { files: resolved.files, signature: stats.map(statSignature).join('|'), resolved });
  } else {
    cache.delete(baseFile);
  }
  return resolved;
}

const cache = new Map<string, { files: string[]; signature: string; resolved: ResolvedConfig }>();
const RACY_MS = 2_000;

function signatureOf(files: string[]): string {
  return files.map(fileSignature).join('|');
}
