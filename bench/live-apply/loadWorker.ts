/**
 * The HTTP load of bench/live-apply in a worker thread: its clients get an
 * event loop of their own, so the bench's timers (route polls, the line
 * clock, RSS samples) are not delayed by 200 clients, and the clients'
 * latencies are not delayed by the bench.
 *
 * workerData: { baseUrl, token, clients, assets: string[] }. Message 'stop'
 * stops the clients; the worker answers with the LoadResult, its samples as
 * columns (a structured clone of a million small objects is slow).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { startLoad, type LoadRequest } from '../../e2e/support/load.ts';

const { baseUrl, token, clients, assets } = workerData as { baseUrl: string; token: string; clients: number; assets: string[] };

let written = 0;
const mix: LoadRequest[] = [
  // API GETs.
  { name: 'remotes', path: '/.backstage/dynamic-features/remotes' },
  { name: 'status', path: '/api/dynamic-plugins/status', auth: true },
  // Catalog queries.
  { name: 'catalog-query', path: '/api/catalog/entities/by-query?limit=20', auth: true },
  { name: 'catalog-entity', path: '/api/catalog/entities/by-name/group/default/platform-admins', auth: true, ok: s => s < 500 },
  // Static assets: the page and what it loads first.
  { name: 'index', path: '/' },
  ...assets.map(asset => ({ name: 'asset', path: asset })),
  // The plugin's own routes: 404 while it is not enabled, never 5xx.
  { name: 'plugin-get', path: '/api/live-route/version' },
  { name: 'plugin-post', method: 'POST', path: '/api/live-route/items', body: () => ({ name: `bench-${written++}` }) },
];

const load = startLoad([{ baseUrl, token }], mix, { clients, timeoutMs: 30_000 });
parentPort!.on('message', async message => {
  if (message !== 'stop') return;
  const result = await load.stop();
  const names = [...new Set(result.samples.map(s => s.name))];
  const columns = {
    at: Float64Array.from(result.samples, s => s.at),
    ms: Float64Array.from(result.samples, s => s.ms),
    status: Int16Array.from(result.samples, s => s.status),
    name: Uint8Array.from(result.samples, s => names.indexOf(s.name)),
  };
  parentPort!.postMessage({ ...result, samples: undefined, names, columns });
});
