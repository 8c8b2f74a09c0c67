import path from 'node:path';

interface CatalogBuildCommandOptions {
  index: string;
  cacheDir?: string;
  only: string[];
  concurrency: string;
  retryFailed?: boolean;
  smoke: boolean;
  port: string;
  table?: string;
  writeTable: boolean;
  json?: boolean;
  publish?: string;
  publishIndex?: string;
  insecureRegistry: string[];
}

/** `devportal catalog build`: export every catalog entry (cached), smoke-test each, write docs/plugins/catalog.md. */
export async function catalogBuildCommand(options: CatalogBuildCommandOptions) {
  const { buildCatalog } = await import('../catalog/build');
  const hostDir = path.dirname(require.resolve('backend/package.json'));
  const repoRoot = path.resolve(hostDir, '../..');
  const concurrency = Number(options.concurrency);
  const port = Number(options.port);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('--concurrency must be a whole number of 1 or more');
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error('--port must be a port number');
  // The table lists every entry with its counts: a build of a few would
  // write a table of those few, so it leaves the table as it is.
  const writeTable = options.writeTable && options.only.length === 0;
  if (options.writeTable && !writeTable) process.stderr.write('catalog: --only builds a few entries; the results table (every entry) is left as it is\n');
  const tableFile = writeTable ? path.resolve(repoRoot, options.table ?? 'docs/plugins/catalog.md') : undefined;
  try {
    const report = await buildCatalog({
      repoRoot,
      index: path.resolve(repoRoot, options.index),
      cacheDir: path.resolve(repoRoot, options.cacheDir ?? '.devportal/cache/catalog'),
      only: options.only,
      concurrency,
      retryFailed: options.retryFailed,
      smoke: options.smoke,
      port,
      tableFile,
      publish: options.publish
        ? {
            reference: options.publish,
            indexFile: path.resolve(process.cwd(), options.publishIndex ?? 'catalog-index.yaml'),
            insecureRegistries: options.insecureRegistry,
          }
        : undefined,
      // Progress goes to stderr, so --json output stays parseable.
      log: message => process.stderr.write(`${message}\n`),
    });
    const failedExports = report.entries.filter(e => e.error).length;
    const smoked = report.entries.filter(e => e.smoke);
    const passed = smoked.filter(e => e.smoke!.result === 'pass').length;
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({
          toolVersion: report.toolVersion,
          exportMs: report.exportMs,
          smokeMs: report.smokeMs,
          totalMs: report.totalMs,
          fromCache: report.run.fromCache,
          published: report.published,
          indexErrors: report.indexErrors,
          entries: report.entries.map(e => ({
            id: e.entry.id,
            package: e.spec,
            kind: e.entry.kind,
            cached: e.cached,
            bytes: e.result?.bytes,
            buildMs: e.result?.buildMs,
            compatibility: e.result?.compatibility,
            error: e.error,
            smoke: e.smoke,
          })),
        })}\n`,
      );
    } else {
      process.stdout.write(
        `Built ${report.entries.length - failedExports} of ${report.entries.length} entries (${report.run.fromCache} from the cache) in ${(report.exportMs / 1000).toFixed(1)} s` +
          (options.smoke ? `; smoke: ${passed} passed, ${smoked.length - passed} failed in ${(report.smokeMs / 1000).toFixed(1)} s` : '') +
          (report.published
            ? `; published ${report.published.published.length} plugins as ${report.published.digest}, catalog index image ${report.published.indexImage.reference}`
            : '') +
          (tableFile ? `; table: ${path.relative(repoRoot, tableFile)}` : '') +
          '\n',
      );
    }
    // Failing entries are results, written to the table; the build itself succeeded.
    if (report.indexErrors.length > 0) {
      for (const error of report.indexErrors) process.stderr.write(`devportal: index: ${error}\n`);
      process.exitCode = 1;
    }
  } catch (error) {
    process.stderr.write(`devportal: error: ${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
