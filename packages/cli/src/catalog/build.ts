import fs from 'node:fs/promises';
import path from 'node:path';
import { readCatalog, readNpmSettings, type ReadCatalogEntry } from '@devportal/plugin-installer';
import { exportToolVersion } from './cache';
import { buildEntry, type BuildOutcome } from './exportEntry';
import type { SmokeResult } from './verdict';

export interface CatalogBuildOptions {
  repoRoot: string;
  /** The index folder (default marketplace/index). */
  index: string;
  cacheDir: string;
  /** Entry ids to build; all when empty. */
  only: string[];
  concurrency: number;
  /** Build again the entries whose failure is cached. */
  retryFailed?: boolean;
  smoke: boolean;
  /** First port tried for the smoke portal. */
  port: number;
  /** Where the results table is written; none when undefined. */
  tableFile?: string;
  /** Publish what built (and passed) as one OCI image, and write its index. */
  publish?: { reference: string; indexFile: string; insecureRegistries: string[] };
  log(message: string): void;
}

export interface CatalogBuildReport {
  toolVersion: string;
  entries: Array<BuildOutcome & { smoke?: SmokeResult }>;
  indexErrors: string[];
  exportMs: number;
  smokeMs: number;
  totalMs: number;
  run: RunRecord;
  history: RunRecord[];
  /** With --publish: the plugin image's digest, the entries in it, and the RHDH catalog index image pushed beside it. */
  published?: { digest: string; published: string[]; indexImage: { reference: string; digest: string } };
}

/** One build, as kept in the cache folder's runs.json for the table's cold and warm lines. */
export interface RunRecord {
  at: string;
  entries: number;
  fromCache: number;
  /** Builds made in this run (successful ones; a cached failure counts as from the cache). */
  built: number;
  /** Entries without a build: failed now, or a cached failure. */
  failed?: number;
  exportMs: number;
  smokeMs: number;
  totalMs: number;
  smoke: boolean;
}

/** The entries a build makes: every npm entry (bundled ones are built with the portal itself). */
export function buildable(entries: ReadCatalogEntry[], only: string[]): ReadCatalogEntry[] {
  const picked = entries.filter(e => e.source === 'npm' && (only.length === 0 || only.includes(e.id)));
  return picked.sort((a, b) => a.id.localeCompare(b.id));
}

export async function buildCatalog(options: CatalogBuildOptions): Promise<CatalogBuildReport> {
  const started = Date.now();
  const { entries, errors } = await readCatalog([{ type: 'index', path: options.index }], { baseDir: options.repoRoot });
  const unknown = options.only.filter(id => !entries.some(e => e.id === id));
  if (unknown.length > 0) throw new Error(`no catalog entry with id ${unknown.join(', ')}`);
  const picked = buildable(entries, options.only);
  const toolVersion = await exportToolVersion(options.repoRoot);
  await fs.mkdir(options.cacheDir, { recursive: true });
  const npm = readNpmSettings(options.repoRoot);
  const registry = String(npm.options.registry ?? 'https://registry.npmjs.org/');
  options.log(`catalog: ${picked.length} entries, export tool ${toolVersion}, cache ${path.relative(options.repoRoot, options.cacheDir) || options.cacheDir}`);

  // Exports run a few at a time: each is mostly one process (npm or
  // backstage-cli) waiting on the network or one core.
  const outcomes: BuildOutcome[] = new Array(picked.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < picked.length) {
      const index = next++;
      const entry = picked[index];
      const t = Date.now();
      const outcome = await buildEntry(entry, { repoRoot: options.repoRoot, cacheDir: options.cacheDir, toolVersion, npmOptions: npm.options, registry, retryFailed: options.retryFailed, log: options.log });
      outcomes[index] = outcome;
      done++;
      const what = outcome.error
        ? `FAILED${outcome.cached ? ' (cached failure; --retry-failed builds it again)' : ''}: ${outcome.error}`
        : outcome.cached
          ? 'cached'
          : `built in ${((Date.now() - t) / 1000).toFixed(1)} s`;
      options.log(`[${done}/${picked.length}] ${entry.id} (${outcome.spec}): ${what}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  const exportMs = Date.now() - started;

  let smokeMs = 0;
  let results: Map<string, SmokeResult> | undefined;
  if (options.smoke) {
    const t = Date.now();
    const { runSmoke } = await import('./smoke');
    results = await runSmoke(outcomes, { repoRoot: options.repoRoot, port: options.port, log: options.log, workDir: path.join(options.cacheDir, 'smoke') });
    smokeMs = Date.now() - t;
  }
  const totalMs = Date.now() - started;
  const run: RunRecord = {
    at: new Date().toISOString(),
    entries: picked.length,
    fromCache: outcomes.filter(o => o.cached).length,
    built: outcomes.filter(o => !o.cached && !o.error).length,
    failed: outcomes.filter(o => o.error).length,
    exportMs,
    smokeMs,
    totalMs,
    smoke: options.smoke,
  };
  const history = await recordRun(options.cacheDir, run);
  const report: CatalogBuildReport = {
    toolVersion,
    entries: outcomes.map(o => ({ ...o, smoke: results?.get(o.entry.id) })),
    indexErrors: errors,
    exportMs,
    smokeMs,
    totalMs,
    run,
    history,
  };
  if (options.tableFile) {
    const { renderTable } = await import('./table');
    await fs.writeFile(options.tableFile, renderTable(report));
  }
  if (options.publish) {
    const { publishCatalog } = await import('./publish');
    report.published = await publishCatalog(report.entries, { ...options.publish, log: options.log });
  }
  return report;
}

async function recordRun(cacheDir: string, run: RunRecord): Promise<RunRecord[]> {
  const file = path.join(cacheDir, 'runs.json');
  const history: RunRecord[] = await fs.readFile(file, 'utf8').then(JSON.parse, () => []);
  history.push(run);
  await fs.writeFile(file, `${JSON.stringify(history.slice(-50), null, 2)}\n`);
  return history;
}
