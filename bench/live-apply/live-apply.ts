/**
 * bench/live-apply: what an Apply costs the people using the portal while it
 * switches (issue 14). A portal under its supervisor, with DevPortal's
 * bundled plugins, on SQLite and/or PostgreSQL, gets --clients keep-alive
 * clients (API GETs, catalog queries, static assets, the fixture plugin's
 * GET/POST route) and one signals websocket per 20 clients. During that load
 * each run enables a backend plugin with a route, upgrades it, disables it,
 * and enables a frontend plugin (Tech Radar; disabled again, untimed).
 * Prints medians, the breakdown of the time to serving, and the figures
 * against the issue's targets.
 *
 *   node bench/live-apply/live-apply.ts [--db sqlite|postgres|both] [--runs 5] [--clients 200] [--ops backend,frontend] [--json] [--results FILE]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { ROUTE_PLUGIN, startPortal, startRegistry, type Portal, type Registry } from './portal.ts';
import { sampleRss, startPageProbe, startSignals } from './probes.ts';
import { figures, opsTable, targetsTable, type DbFigures, type DbRun, type LoadColumns, type OpKind, type OpRecord } from './report.ts';
import { writeResults } from './results.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'both' },
    runs: { type: 'string', default: '5' },
    clients: { type: 'string', default: '200' },
    probation: { type: 'string', default: '10' },
    'max-backend-requests': { type: 'string' },
    steady: { type: 'string', default: '20' },
    ops: { type: 'string', default: 'backend,frontend' },
    json: { type: 'boolean' },
    results: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help || !['sqlite', 'postgres', 'both'].includes(values.db!)) {
  process.stdout.write(
    'Usage: node bench/live-apply/live-apply.ts [--db sqlite|postgres|both] [--runs 5] [--clients 200] [--probation 10] [--max-backend-requests N] [--steady 20] [--ops backend,frontend] [--json] [--results FILE]\n\n' +
      'Time from Apply to a backend and a frontend plugin serving under keep-alive load, failed requests, and p99 latency and peak RSS during the switch against steady state.\n',
  );
  process.exit(values.help ? 0 : 2);
}
const runs = Number(values.runs);
const clients = Number(values.clients);
const probation = Number(values.probation);
// The supervisor's request limit (devportal-cli run's default when not given); 0 turns it off, for a comparison.
const maxBackendRequests = values['max-backend-requests'];
// --ops frontend: the frontend operation alone, for work on that path (the backend figures then stay empty).
const selectedOps = new Set(values.ops!.split(','));
const dbs = values.db === 'both' ? (['sqlite', 'postgres'] as const) : ([values.db] as ['sqlite' | 'postgres']);
const progress = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A network error is polled again; a generation that failed ends the wait.
    const value = await check().catch(error => {
      if ((error as { fatal?: boolean }).fatal) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Stages one change and applies it 2 s later, as an admin clicks Install and
 * then Apply in the pending bar; the Apply's time is taken just before its
 * request. What staging starts (pinning, the warm installer) is not timed.
 */
async function apply(portal: Portal, change: Record<string, unknown>): Promise<{ id: number; applyAt: number }> {
  const staged = await portal.api('POST', '/changes', change);
  if (staged.status !== 201) throw new Error(`staging ${JSON.stringify(change)}: ${staged.status} ${JSON.stringify(staged.body)}`);
  await sleep(2_000);
  const applyAt = Date.now();
  const applied = await portal.api('POST', '/apply');
  if (applied.status !== 202) throw new Error(`apply: ${applied.status} ${JSON.stringify(applied.body)}`);
  return { id: applied.body.generation, applyAt };
}

/** Resolves when generation `id` serves; throws with its reason when it failed. */
function generationServes(portal: Portal, id: number): Promise<number> {
  return until(
    `generation ${id} to serve`,
    async () => {
      const g = (await portal.api('GET', `/generations/${id}`)).body;
      if (g?.state === 'failed') throw Object.assign(new Error(`generation ${id} failed: ${g.reason}`), { fatal: true });
      return g?.state === 'serving' ? Date.now() : undefined;
    },
    240_000,
    100,
  );
}

/** The fixture route's answer: its version, or the status. */
async function route(portal: Portal): Promise<string | number> {
  const res = await fetch(`${portal.baseUrl}/api/live-route/version`);
  return res.ok ? ((await res.json()) as { version: string }).version : res.status;
}

async function backendOp(portal: Portal, kind: OpKind, run: number, change: Record<string, unknown>, expected: string | number): Promise<OpRecord> {
  const { id, applyAt } = await apply(portal, change);
  const serving = generationServes(portal, id);
  serving.catch(() => {});
  // Polled every 100 ms; a failed generation ends the wait with its reason.
  const servedAt = await Promise.race([
    until(`${ROUTE_PLUGIN} to answer ${expected}`, async () => ((await route(portal)) === expected ? Date.now() : undefined), 240_000, 100),
    serving.then(() => new Promise<never>(() => {})),
  ]);
  const generationServingAt = await serving;
  return {
    kind,
    run,
    generation: id,
    applyAt,
    servedAt,
    generationServingAt,
    backendStartAt: portal.lines.after(applyAt, new RegExp(`^starting a new backend for generation ${id} `)),
    switchedAt: portal.lines.after(applyAt, new RegExp(`^generation ${id} serves;`)),
  };
}

async function frontendOp(portal: Portal, registry: Registry, probe: Awaited<ReturnType<typeof startPageProbe>>, run: number): Promise<OpRecord> {
  const { name, version } = registry.radar;
  const { id, applyAt } = await apply(portal, { action: 'install', package: `${name}@${version}` });
  // The public remotes list, which a page load reads first, polled every
  // 50 ms; a page load is begun as soon as it has the plugin, as by a user
  // reloading at that moment (page loads back to back instead would add
  // whatever was left of a load begun just before).
  const remotesAt = await until(
    'the remotes list to have Tech Radar',
    async () => ((await (await fetch(`${portal.baseUrl}/.backstage/dynamic-features/remotes`)).text()).includes('tech-radar') ? Date.now() : undefined),
    120_000,
    50,
  );
  let pageLoadMs = 0;
  const servedAt = await until(
    'a new page load to show Tech Radar',
    async () => {
      const begin = Date.now();
      const shows = await probe.showsRadar();
      pageLoadMs = Date.now() - begin;
      return shows ? Date.now() : undefined;
    },
    120_000,
    0,
  );
  const generationServingAt = await generationServes(portal, id);
  return { kind: 'frontend enable', run, generation: id, applyAt, servedAt, generationServingAt, remotesAt, pageLoadMs };
}

/** Static assets the portal's page loads: its script and stylesheet URLs from index.html. */
async function assetsOf(baseUrl: string): Promise<string[]> {
  const html = await (await fetch(baseUrl)).text();
  const urls = [...html.matchAll(/(?:src|href)="(\/static\/[^"]+\.(?:js|css))"/g)].map(m => m[1]);
  return [...new Set(urls)].slice(0, 3);
}

/** One run: the three backend operations and the frontend one, each timed; the frontend plugin is disabled again after. */
async function oneRun(portal: Portal, registry: Registry, probe: Awaited<ReturnType<typeof startPageProbe>>, run: number, records: OpRecord[]) {
  const db = portal.db;
  for (const [kind, change, expected] of (selectedOps.has('backend') ? [
    ['backend enable', { action: 'install', package: `${ROUTE_PLUGIN}@1.0.0` }, '1.0.0'],
    ['backend upgrade', { action: 'install', package: `${ROUTE_PLUGIN}@1.1.0` }, '1.1.0'],
    ['backend disable', { action: 'disable', package: ROUTE_PLUGIN }, 404],
  ] as const : [])) {
    const op = await backendOp(portal, kind, run, change, expected);
    records.push(op);
    progress(`${db} run ${run}: ${kind}: serving after ${((op.servedAt - op.applyAt) / 1000).toFixed(1)} s`);
    // A quiet moment between switches, so windows do not overlap.
    await sleep(3_000);
  }
  if (!selectedOps.has('frontend')) return;
  const op = await frontendOp(portal, registry, probe, run);
  records.push(op);
  progress(`${db} run ${run}: frontend enable: page shows it after ${((op.servedAt - op.applyAt) / 1000).toFixed(1)} s (remotes list ${(((op.remotesAt ?? NaN) - op.applyAt) / 1000).toFixed(1)} s); the showing load's requests:\n  ${probe.lastLoad().join('\n  ')}`);
  // Disabled again for the next run; not measured.
  const { id } = await apply(portal, { action: 'disable', package: registry.radar.name });
  await generationServes(portal, id);
  await sleep(3_000);
}

/** After a failed run: drop what is staged, and disable both plugins if they serve, so the next run starts from nothing. */
async function recover(portal: Portal, registry: Registry) {
  const { changes } = (await portal.api('GET', '/changes')).body;
  for (const change of changes ?? []) await portal.api('DELETE', `/changes/${change.id}`);
  const remotes = await (await fetch(`${portal.baseUrl}/.backstage/dynamic-features/remotes`)).text();
  for (const [serving, pkg] of [
    [(await route(portal)) !== 404, ROUTE_PLUGIN],
    [remotes.includes('tech-radar'), registry.radar.name],
  ] as const) {
    if (!serving) continue;
    const { id } = await apply(portal, { action: 'disable', package: pkg });
    await generationServes(portal, id);
  }
  await sleep(3_000);
}

async function benchDb(db: 'sqlite' | 'postgres', work: string, registry: Registry): Promise<DbRun> {
  progress(`${db}: starting the portal (bundled plugins)`);
  const portal = await startPortal(db, work, registry, ['--probation', String(probation), ...(maxBackendRequests ? ['--max-backend-requests', maxBackendRequests] : [])]);
  const probe = await startPageProbe(portal.baseUrl);
  const assets = await assetsOf(portal.baseUrl);
  const rss = sampleRss(portal.pid);
  const signalCount = Math.max(1, Math.floor(clients / 20));
  const signals = startSignals(portal.baseUrl, portal.token, signalCount);
  const worker = new Worker(new URL('./loadWorker.ts', import.meta.url), { workerData: { baseUrl: portal.baseUrl, token: portal.token, clients, assets } });
  const ops: OpRecord[] = [];
  let steady = { from: 0, to: 0 };
  let error: unknown;
  try {
    progress(`${db}: ${clients} clients, ${signalCount} signals websockets, assets ${assets.join(' ')}; warming up 10 s`);
    await sleep(10_000);
    steady = { from: Date.now(), to: Date.now() + Number(values.steady) * 1000 };
    await sleep(steady.to - Date.now());
    progress(`${db}: steady state measured (${signals.open()} websockets open)`);
    // A run that fails (a generation that does not serve) is recorded and
    // retried, at most twice in all: in a shared working tree a package
    // rebuilt in the middle of a run fails a generation that is not the
    // product's doing; the reason is in the results.
    for (let run = 1, failed = 0; run <= runs; ) {
      try {
        await oneRun(portal, registry, probe, run, ops);
        run++;
      } catch (e) {
        if (++failed > 2) throw e;
        failedRuns.push(`${db} run ${run}: ${(e as Error).message}`);
        progress(`${db} run ${run} failed, recovering and running it again: ${(e as Error).message}\n--- supervisor output (tail) ---\n${portal.supervisor.logs().slice(-2500)}`);
        await recover(portal, registry);
      }
    }
  } catch (e) {
    error = e;
    progress(`${db}: stopped early: ${(e as Error).message}\n--- supervisor output (tail) ---\n${portal.supervisor.logs().slice(-3000)}`);
  }
  const load = await new Promise<any>(resolve => {
    worker.once('message', resolve);
    worker.postMessage('stop');
  });
  await worker.terminate();
  signals.stop();
  rss.stop();
  portal.lines.stop();
  await probe.close();
  const logs = portal.supervisor.logs();
  await portal.stop();
  // Kept for what the tables cannot say (a 401 on a signals upgrade is logged by the backend, not seen by the client).
  const logFile = path.join(os.tmpdir(), `devportal-bench-live-apply-${db}.log`);
  fs.writeFileSync(logFile, logs);
  progress(`${db}: the supervisor's output is in ${logFile}`);
  for (const line of logs.split('\n').filter(l => /SQLITE_BUSY|did not answer|warning: \d+ request/.test(l)).slice(0, 10)) progress(`${db}: supervisor: ${line}`);
  if (error && ops.length === 0) throw error;
  const columns: LoadColumns = { ...load, failed: load.failed.map((f: any) => ({ ...f, at: load.startedAt + f.at })) };
  return { db, clients, signals: signalCount, steady, ops, load: columns, rss: rss.samples, signalStats: signals.stats };
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-live-'));
const started = new Date();
const all: DbFigures[] = [];
const failedRuns: string[] = [];
let registry: Registry | undefined;
try {
  registry = await startRegistry(work);
  for (const db of dbs) all.push(figures(await benchDb(db, work, registry)));
} finally {
  await registry?.npm.stop();
  fs.rmSync(work, { recursive: true, force: true });
}

const command = `node bench/live-apply/live-apply.ts ${process.argv.slice(2).join(' ')}`.trim();
if (values.json) {
  process.stdout.write(`${JSON.stringify({ started: started.toISOString(), command, runs, clients, probation, failedRuns, databases: all }, null, 2)}\n`);
} else {
  for (const f of all) {
    process.stdout.write(
      `\n${f.db}: ${f.clients} clients, ${f.signals} signals websockets, ${f.requests} requests (${f.requestsPerSecond}/s), steady p99 ${Math.round(f.steadyP99Ms)} ms, steady RSS ${f.steadyRssMb} MB; signals closes ${f.signalCloses} ${JSON.stringify(f.signalCloseCodes)}\n\n${opsTable(f)}\n`,
    );
    process.stderr.write(`\n${f.db} timeline:\n${f.timeline.map(l => `  ${l}`).join('\n')}\n`);
    if (f.failures.length) process.stdout.write(`\nfailed requests (first ${f.failures.length}):\n${f.failures.map(l => `  ${l}`).join('\n')}\n`);
  }
  if (failedRuns.length) process.stdout.write(`\nruns that failed and were run again:\n${failedRuns.map(l => `  ${l}`).join('\n')}\n`);
  process.stdout.write(`\nmedians of ${runs} run(s):\n\n${targetsTable(all)}\n`);
}
if (values.results) writeResults(values.results, { started, command, runs, clients, probation, all, failedRuns });
