/**
 * Figures of bench/live-apply from what one database's run recorded: per
 * operation (medians over runs) and against the targets.
 */
import { percentile } from '../../e2e/support/load.ts';

export type OpKind = 'backend enable' | 'backend upgrade' | 'backend disable' | 'frontend enable';
export const OP_KINDS: OpKind[] = ['backend enable', 'backend upgrade', 'backend disable', 'frontend enable'];

/** One timed operation; all times are Date.now() ms. */
export interface OpRecord {
  kind: OpKind;
  run: number;
  generation: number;
  applyAt: number;
  /** The route answered as expected (backend), or a new page load showed the nav item (frontend). */
  servedAt: number;
  /** The generation was marked serving (after the probation time, for a backend change). */
  generationServingAt: number;
  /** Supervisor lines: the install finished and a new backend starts; the port switched to it. */
  backendStartAt?: number;
  switchedAt?: number;
  /** Frontend: the public remotes list had the plugin; how long the showing page load took. */
  remotesAt?: number;
  pageLoadMs?: number;
}

/** What the worker's load recorded, samples as columns, times absolute (Date.now() ms). */
export interface LoadColumns {
  startedAt: number;
  requests: number;
  failed: { at: number; name: string; outcome: number | string }[];
  statuses: Record<string, Record<number, number>>;
  names: string[];
  columns: { at: Float64Array; ms: Float64Array; status: Int16Array; name: Uint8Array };
}

export interface DbRun {
  db: 'sqlite' | 'postgres';
  clients: number;
  signals: number;
  steady: { from: number; to: number };
  ops: OpRecord[];
  load: LoadColumns;
  rss: { at: number; bytes: number }[];
  signalStats: { opened: number; closes: { at: number; code: number }[]; failed: { at: number; error: string }[] };
}

export interface OpFigures {
  kind: OpKind;
  runs: number;
  /** Medians (ms) over the runs. */
  applyToServingMs: number;
  installMs?: number;
  backendStartMs?: number;
  afterSwitchMs?: number;
  applyToRemotesMs?: number;
  pageLoadMs?: number;
  applyToGenerationServingMs: number;
  /** Summed over the runs: HTTP requests, and signals connections that could not reconnect. */
  failedRequests: number;
  failedSignals: number;
  p99Ratio: number;
  rssRatio: number;
  all: { applyToServingMs: number[]; p99Ratio: number[]; rssRatio: number[] };
}

export interface DbFigures {
  db: string;
  clients: number;
  signals: number;
  requests: number;
  requestsPerSecond: number;
  steadyP99Ms: number;
  steadyRssMb: number;
  failedRequests: number;
  failedSignals: number;
  failures: string[];
  signalCloses: number;
  signalCloseCodes: Record<number, number>;
  /** Each close and each operation's Apply/switch, in time order: when the websockets close. */
  timeline: string[];
  ops: OpFigures[];
}

export const median = (xs: number[]) => (xs.length ? percentile(xs, 50) : NaN);

/** The latencies of requests sent within [from, to]. */
function latencies(load: LoadColumns, from: number, to: number): number[] {
  const out: number[] = [];
  const { at, ms } = load.columns;
  for (let i = 0; i < at.length; i++) {
    const sent = load.startedAt + at[i];
    if (sent >= from && sent <= to) out.push(ms[i]);
  }
  return out;
}

/** The window an operation's switch spans: from Apply until it serves and, for a backend change, the old backend is gone. */
export function windowOf(op: OpRecord): { from: number; to: number } {
  return { from: op.applyAt, to: Math.max(op.servedAt, op.generationServingAt) + 2_000 };
}

export function figures(run: DbRun): DbFigures {
  const steadyP99 = percentile(latencies(run.load, run.steady.from, run.steady.to), 99);
  const steadyRss = median(run.rss.filter(s => s.at >= run.steady.from && s.at <= run.steady.to).map(s => s.bytes));
  const failedIn = (from: number, to: number) => run.load.failed.filter(f => f.at >= from && f.at <= to).length;
  // A signals reconnect is sent after the close, and may time out after the window.
  const signalsFailedIn = (from: number, to: number) => run.signalStats.failed.filter(f => f.at >= from && f.at <= to + 35_000).length;
  const ops: OpFigures[] = [];
  for (const kind of OP_KINDS) {
    const records = run.ops.filter(o => o.kind === kind);
    if (!records.length) continue;
    const per = records.map(op => {
      const w = windowOf(op);
      const rss = run.rss.filter(s => s.at >= w.from && s.at <= w.to).map(s => s.bytes);
      return {
        serving: op.servedAt - op.applyAt,
        install: op.backendStartAt !== undefined ? op.backendStartAt - op.applyAt : undefined,
        start: op.backendStartAt !== undefined && op.switchedAt !== undefined ? op.switchedAt - op.backendStartAt : undefined,
        after: op.switchedAt !== undefined ? Math.max(0, op.servedAt - op.switchedAt) : undefined,
        remotes: op.remotesAt !== undefined ? op.remotesAt - op.applyAt : undefined,
        generation: op.generationServingAt - op.applyAt,
        failed: failedIn(w.from, w.to),
        failedSignals: signalsFailedIn(w.from, w.to),
        p99Ratio: percentile(latencies(run.load, w.from, w.to), 99) / steadyP99,
        rssRatio: Math.max(...rss) / steadyRss,
        pageLoad: op.pageLoadMs,
      };
    });
    const med = (pick: (p: (typeof per)[number]) => number | undefined) => {
      const xs = per.map(pick).filter((x): x is number => x !== undefined);
      return xs.length ? median(xs) : undefined;
    };
    ops.push({
      kind,
      runs: records.length,
      applyToServingMs: med(p => p.serving)!,
      installMs: med(p => p.install),
      backendStartMs: med(p => p.start),
      afterSwitchMs: med(p => p.after),
      applyToRemotesMs: med(p => p.remotes),
      pageLoadMs: med(p => p.pageLoad),
      applyToGenerationServingMs: med(p => p.generation)!,
      failedRequests: per.reduce((n, p) => n + p.failed, 0),
      failedSignals: per.reduce((n, p) => n + p.failedSignals, 0),
      p99Ratio: med(p => p.p99Ratio)!,
      rssRatio: med(p => p.rssRatio)!,
      all: { applyToServingMs: per.map(p => p.serving), p99Ratio: per.map(p => p.p99Ratio), rssRatio: per.map(p => p.rssRatio) },
    });
  }
  const seconds = (run.load.columns.at.length ? run.load.columns.at[run.load.columns.at.length - 1] : 1) / 1000;
  const codes: Record<number, number> = {};
  for (const c of run.signalStats.closes) codes[c.code] = (codes[c.code] ?? 0) + 1;
  const failures = [
    ...run.load.failed.map(f => `${f.name}: ${f.outcome} at +${Math.round((f.at - run.load.startedAt) / 100) / 10} s`),
    ...run.signalStats.failed.map(f => `signals: ${f.error} at +${Math.round((f.at - run.load.startedAt) / 100) / 10} s`),
  ];
  return {
    db: run.db,
    clients: run.clients,
    signals: run.signals,
    requests: run.load.requests,
    requestsPerSecond: Math.round(run.load.requests / Math.max(1, seconds)),
    steadyP99Ms: steadyP99,
    steadyRssMb: Math.round(steadyRss / 2 ** 20),
    failedRequests: run.load.failed.length,
    failedSignals: run.signalStats.failed.length,
    failures: failures.slice(0, 20),
    signalCloses: run.signalStats.closes.length,
    signalCloseCodes: codes,
    timeline: timeline(run),
    ops,
  };
}

function timeline(run: DbRun): string[] {
  const t = (at: number) => `+${((at - run.load.startedAt) / 1000).toFixed(1)} s`;
  const events: [number, string][] = [
    ...run.signalStats.closes.map(c => [c.at, `signals websocket closed (${c.code})`] as [number, string]),
    ...run.signalStats.failed.map(f => [f.at, `signals reconnect failed: ${f.error}`] as [number, string]),
    ...run.ops.flatMap(o => [
      [o.applyAt, `${o.kind} run ${o.run}: Apply (generation ${o.generation})`] as [number, string],
      ...(o.switchedAt ? [[o.switchedAt, `generation ${o.generation}: port switched`] as [number, string]] : []),
      [o.generationServingAt, `generation ${o.generation}: marked serving (probation over)`] as [number, string],
    ]),
  ];
  return events.sort((a, b) => a[0] - b[0]).map(([at, what]) => `${t(at)} ${what}`);
}

const s = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? '–' : `${(ms / 1000).toFixed(1)} s`);
const x = (r: number) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');

/** Per database: each operation's medians and breakdown. */
export function opsTable(f: DbFigures): string {
  const rows = [
    '| operation | Apply → serving | install (child process) | new backend start → switch | switch → route | generation marked serving | failed requests (HTTP / signals) | p99 switch/steady | peak RSS switch/steady |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...f.ops.map(o =>
      o.kind === 'frontend enable'
        ? `| ${o.kind} (${o.runs}) | ${s(o.applyToServingMs)} (remotes list: ${s(o.applyToRemotesMs)}, page load ${s(o.pageLoadMs)}) | – | – | – | ${s(o.applyToGenerationServingMs)} | ${o.failedRequests} / ${o.failedSignals} | ${x(o.p99Ratio)} | ${x(o.rssRatio)} |`
        : `| ${o.kind} (${o.runs}) | ${s(o.applyToServingMs)} | ${s(o.installMs)} | ${s(o.backendStartMs)} | ${s(o.afterSwitchMs)} | ${s(o.applyToGenerationServingMs)} | ${o.failedRequests} / ${o.failedSignals} | ${x(o.p99Ratio)} | ${x(o.rssRatio)} |`,
    ),
  ];
  return rows.join('\n');
}

/** The figures and targets, one column per database. */
export function targetsTable(all: DbFigures[]): string {
  const op = (f: DbFigures, kind: OpKind) => f.ops.find(o => o.kind === kind);
  const worst = (f: DbFigures, pick: (o: OpFigures) => number) => Math.max(...f.ops.map(pick));
  const row = (figure: string, target: string, cell: (f: DbFigures) => string) => `| ${figure} | ${target} | ${all.map(cell).join(' | ')} |`;
  return [
    `| figure | target | ${all.map(f => (f.db === 'sqlite' ? 'SQLite' : 'PostgreSQL')).join(' | ')} |`,
    `| --- | --- | ${all.map(() => '---').join(' | ')} |`,
    row('Apply → backend route answers 200 (enable)', '≤ 10 s', f => s(op(f, 'backend enable')?.applyToServingMs)),
    row('Apply → route answers the new version (upgrade)', '≤ 10 s', f => s(op(f, 'backend upgrade')?.applyToServingMs)),
    row('Apply → route answers 404 (disable)', '≤ 10 s', f => s(op(f, 'backend disable')?.applyToServingMs)),
    row('Apply → new page load shows the frontend plugin', '≤ 2 s', f => s(op(f, 'frontend enable')?.applyToServingMs)),
    row('failed HTTP requests (5xx, resets, timeouts), whole run', '0', f => `${f.failedRequests} of ${f.requests}`),
    row('signals websockets that failed to reconnect (timeout, non-101), whole run', '0', f => `${f.failedSignals} of ${f.signalCloses} closed by a switch`),
    row('p99 latency switch / steady (worst operation)', '≤ 3×', f => `${x(worst(f, o => o.p99Ratio))} (steady p99 ${Math.round(f.steadyP99Ms)} ms)`),
    row('peak RSS switch / steady (worst operation)', '≤ 2.2×', f => `${x(worst(f, o => o.rssRatio))} (steady ${f.steadyRssMb} MB)`),
  ].join('\n');
}
