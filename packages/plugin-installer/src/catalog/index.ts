import path from 'node:path';
import { readIndexFolder, readListFile } from './local';
import {
  DEFAULT_CATALOG_TIMEOUT_MS,
  DEFAULT_MAX_CATALOG_FILE_BYTES,
  DEFAULT_MAX_CATALOG_IMAGE_BYTES,
  type CatalogReadResult,
  type CatalogSource,
  type ReadCatalogOptions,
} from './types';

export type { CatalogReadResult, CatalogSource, ReadCatalogEntry, ReadCatalogOptions } from './types';
export { environmentOf } from './entry';

/**
 * Reads every catalog source, in order, into one list. Never throws for what
 * a source holds: an unreadable source, a bad file or a bad entry is one line
 * in `errors`, and everything else still loads. When two entries share an id
 * the first source wins and the later one is reported, so the order of
 * sources is the order of precedence.
 */
export async function readCatalog(sources: CatalogSource[], options: ReadCatalogOptions = {}): Promise<CatalogReadResult> {
  const result: CatalogReadResult = { entries: [], errors: [] };
  const seen = new Map<string, string>();
  for (const source of sources) {
    const read = await readSource(source, options);
    result.errors.push(...read.errors);
    for (const entry of read.entries) {
      const first = seen.get(entry.id);
      if (first !== undefined) {
        result.errors.push(`${entry.origin}: id '${entry.id}' is already taken by ${first}; this entry is left out`);
        continue;
      }
      seen.set(entry.id, entry.origin);
      result.entries.push(entry);
    }
  }
  // Companions name entries of any source, so they are checked once all are read.
  const ids = new Set(result.entries.map(e => e.id));
  for (const entry of result.entries) {
    const missing = entry.companions?.filter(id => !ids.has(id)) ?? [];
    if (missing.length > 0) result.errors.push(`${entry.origin}: companions: no entry has the id ${missing.map(id => `'${id}'`).join(', ')}`);
  }
  return result;
}

async function readSource(source: CatalogSource, options: ReadCatalogOptions): Promise<CatalogReadResult> {
  const maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_CATALOG_FILE_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CATALOG_TIMEOUT_MS;
  const fail = (message: string): CatalogReadResult => ({ entries: [], errors: [message] });
  // Library code never falls back to the process's current folder.
  const resolve = (file: string) => {
    if (path.isAbsolute(file)) return path.resolve(file);
    return options.baseDir && path.isAbsolute(options.baseDir) ? path.resolve(options.baseDir, file) : undefined;
  };
  switch (source?.type) {
    case 'index':
    case 'file': {
      if (typeof source.path !== 'string' || source.path === '') return fail(`catalog source ${source.type}: 'path' is required`);
      const file = resolve(source.path);
      if (!file) return fail(`${source.path}: a relative catalog path needs an absolute baseDir`);
      return source.type === 'index' ? readIndexFolder(file, maxFileBytes) : readListFile(file, maxFileBytes);
    }
    case 'url': {
      if (typeof source.url !== 'string' || source.url === '') return fail(`catalog source url: 'url' is required`);
      const { readCatalogUrl } = await import('./url');
      return readCatalogUrl(source.url, { timeoutMs, maxBytes: maxFileBytes });
    }
    case 'oci': {
      if (typeof source.image !== 'string' || source.image === '') return fail(`catalog source oci: 'image' is required`);
      const { readOciCatalog } = await import('./oci');
      return readOciCatalog(source.image, {
        insecureRegistries: options.insecureRegistries,
        env: options.env,
        timeoutMs,
        retries: options.retries ?? 2,
        maxFileBytes,
        maxImageBytes: options.maxImageBytes ?? DEFAULT_MAX_CATALOG_IMAGE_BYTES,
        workDir: options.workDir,
      });
    }
    default:
      return fail(`catalog source ${JSON.stringify((source as { type?: unknown })?.type)}: the type must be index, file, url or oci`);
  }
}
