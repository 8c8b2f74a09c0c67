import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { getJson, signInAsGuest, startBackend, type StartedBackend } from '../support/backend.ts';
import { waitFor } from '../support/ports.ts';

/**
 * Search on SQLite keeps its index in memory (Lunr). The collators' schedule
 * used to be stored in the database, so a restart within its 10 minutes found
 * the task "not due" and search answered 500 (MissingIndexError) until then.
 * The schedule is now per process on SQLite: every start indexes again.
 */
describe('search after a restart on SQLite', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-search-restart-'));
  let backend: StartedBackend | undefined;

  after(async () => {
    await backend?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  /** Catalog results for `payments`, or undefined while the index is being built. */
  async function paymentsResults(b: StartedBackend, token: string) {
    const body = await getJson(`${b.baseUrl}/api/search/query?term=payments`, token);
    return body.results.length > 0 ? body.results : undefined;
  }

  it('answers within 30 s of readiness on the second start, as on the first', async () => {
    backend = await startBackend({ dataDir, withBundledPlugins: false });
    let token = await signInAsGuest(backend.baseUrl);
    // First start: the example entities are ingested, then indexed.
    await waitFor('search results on the first start', () => paymentsResults(backend!, token), 120_000, 2000);
    await backend.stop();

    // Same database, seconds later: well inside the collators' 10-minute frequency.
    backend = await startBackend({ dataDir, withBundledPlugins: false });
    token = await signInAsGuest(backend.baseUrl);
    const results = await waitFor('search results after the restart', () => paymentsResults(backend!, token), 30_000, 1000);
    assert.ok(results.some((r: { type: string }) => r.type === 'software-catalog'));
  });
});
