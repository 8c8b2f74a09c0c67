import { median, renderTable, formatBytes } from './table';
import type { CatalogBuildReport } from './build';

function row(id: string, kind: 'frontend' | 'backend' | 'module', extra: Partial<CatalogBuildReport['entries'][number]>): CatalogBuildReport['entries'][number] {
  return {
    entry: { id, title: id, description: '', name: `@x/${id}`, kind, source: 'npm', category: 'c', versions: [{ version: '1.0.0', package: `@x/${id}@1.0.0` }], origin: 'o', needsExport: true },
    spec: `@x/${id}@1.0.0`,
    cached: false,
    ...extra,
  };
}

const built = (bytes: number, buildMs: number) => ({ spec: 's', name: 'n', version: '1.0.0', role: 'r', folder: 'f', bytes, buildMs, builtAt: 'now' });
const run = (fromCache: number, built: number, smoke = true) => ({ at: '2026-12-06T03:00:00.000Z', entries: 3, fromCache, built, failed: 1, exportMs: 1000, smokeMs: 2000, totalMs: 3000, smoke });

describe('the results table', () => {
  const report: CatalogBuildReport = {
    toolVersion: 'abc',
    entries: [
      row('a', 'backend', { result: built(2 * 1024 * 1024, 10_000), smoke: { result: 'pass', reason: 'GET /api/a answered 200' } }),
      row('b', 'frontend', { result: built(300 * 1024, 30_000), smoke: { result: 'fail', reason: 'no /x|y/ on the page' } }),
      row('c', 'module', { error: 'the npm registry https://r/ has no such package or version' }),
    ],
    indexErrors: [],
    exportMs: 1,
    smokeMs: 1,
    totalMs: 1,
    run: run(2, 0),
    history: [run(0, 2), run(2, 0)],
  };
  const text = renderTable(report);

  it('lists every entry, failures with their reason (the export error when the export failed)', () => {
    expect(text).toContain('| a | `@x/a` | 1.0.0 | backend | exported | 2.0 MB | 10.0 s | pass | GET /api/a answered 200 |');
    expect(text).toContain('| **fail** | no /x\\|y/ on the page |');
    expect(text).toContain('| c | `@x/c` | 1.0.0 | module | exported | – | – | **fail** | export: the npm registry https://r/ has no such package or version |');
    expect(text).toContain('**1 passed, 2 failed** of 3 entries');
  });

  it('counts per kind with median export times and sizes', () => {
    expect(text).toContain('| backend | 1 | 1 | 0 | 10.0 s | 2.0 MB |');
    expect(text).toContain('| frontend | 1 | 0 | 1 | 30.0 s | 300 KB |');
    expect(text).toContain('| module | 1 | 0 | 1 | – | – |');
  });

  it('shows the last cold and warm builds', () => {
    expect(text).toContain('last cold build (2026-12-06 03:00 UTC, 3 entries: 0 from the cache, 2 built, 1 without a build): exports 1.0 s, smoke 2.0 s, total 3.0 s.');
    expect(text).toContain('last warm build (2026-12-06 03:00 UTC, 3 entries: 2 from the cache, 0 built, 1 without a build)');
  });

  it('computes medians and sizes', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
    expect(formatBytes(512)).toBe('1 KB');
  });
});
