/**
 * From the samples to the verdict: medians, ratios against the target, the
 * breakdown of where the time and memory go, and the printed summary.
 */
import os from 'node:os';
import type { Probe } from './entries.ts';
import type { Sample, Variant } from './measure.ts';

/** dynamic/static, for time to ready and for RSS. */
export const TARGET = 1.1;

export type Samples = Record<Variant['key'], Sample[]>;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const medianBy = (samples: Sample[], key: 'readyMs' | 'rssMiB') => median(samples.map(s => s[key]));
/** Per-key medians of per-start records. */
function medianRecord(records: Array<Record<string, number> | undefined>): Record<string, number> {
  const keys = new Set(records.flatMap(r => Object.keys(r ?? {})));
  return Object.fromEntries([...keys].map(k => [k, median(records.map(r => r?.[k]).filter((v): v is number => Number.isFinite(v)))]));
}

export interface Measured {
  runs: number;
  settleMs: number;
  /** Package names of the 10 plugins. */
  plugins: string[];
  samples: Samples;
  probes: Probe[];
  /** 1-minute load average before and after the runs. */
  load: number[];
}

/** The result, as printed by --json (keys in this order). */
export function summarize({ runs, settleMs, plugins, samples, probes, load }: Measured) {
  const probe = {
    coreRequireMs: median(probes.map(p => p.coreRequireMs)),
    coreRssMiB: median(probes.map(p => p.coreRssMiB)),
    pluginsRequireMs: median(probes.map(p => p.pluginsRequireMs)),
    pluginsRssMiB: median(probes.map(p => p.pluginsRssMiB)),
    perPluginRequireMs: medianRecord(probes.map(p => Object.fromEntries(Object.entries(p.perPlugin).map(([k, v]) => [k, v.ms])))),
    perPluginRssMiB: medianRecord(probes.map(p => Object.fromEntries(Object.entries(p.perPlugin).map(([k, v]) => [k, v.rssMiB])))),
  };

  const m = Object.fromEntries(
    (Object.keys(samples) as Variant['key'][]).map(k => [k, { readyMs: medianBy(samples[k], 'readyMs'), rssMiB: medianBy(samples[k], 'rssMiB') }]),
  ) as Record<Variant['key'], { readyMs: number; rssMiB: number }>;
  const requireMs = medianRecord(samples.static.map(s => s.requireMs));
  const initMs = medianRecord(samples.dynamic.map(s => s.initMs));
  const timeRatio = m.dynamic.readyMs / m.static.readyMs;
  const rssRatio = m.dynamic.rssMiB / m.static.rssMiB;
  const breakdown = {
    readyMs: {
      pluginsThemselves: m.static.readyMs - m.baseline.readyMs,
      dynamicOverTotal: m.dynamic.readyMs - m.static.readyMs,
      loaderWithEmptyRoot: m.dynamicEmpty.readyMs - m.baseline.readyMs,
    },
    rssMiB: {
      pluginsThemselves: m.static.rssMiB - m.baseline.rssMiB,
      dynamicOverTotal: m.dynamic.rssMiB - m.static.rssMiB,
      loaderWithEmptyRoot: m.dynamicEmpty.rssMiB - m.baseline.rssMiB,
    },
  };
  return {
    runs,
    settleMs,
    node: process.version,
    plugins,
    medians: m,
    ratios: { readyTime: timeRatio, rss: rssRatio },
    target: TARGET,
    pass: { readyTime: timeRatio <= TARGET, rss: rssRatio <= TARGET },
    breakdown,
    staticRequireMs: requireMs,
    dynamicInitMs: initMs,
    moduleLoadingProbe: probe,
    samples,
    load,
  };
}

export type Summary = ReturnType<typeof summarize>;

export function printSummary(result: Summary) {
  const { runs, settleMs, medians: m, samples, breakdown: b, staticRequireMs: requireMs, dynamicInitMs: initMs, moduleLoadingProbe: probe } = result;
  const { readyTime: timeRatio, rss: rssRatio } = result.ratios;
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mib = (x: number) => `${x.toFixed(0)} MiB`;
  const signed = (x: number, unit: (v: number) => string) => `${x >= 0 ? '+' : '-'}${unit(Math.abs(x))}`;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'ABOVE TARGET');
  const range = (xs: number[], unit: (v: number) => string) => `${unit(Math.min(...xs))}..${unit(Math.max(...xs))}`;
  const top = (rec: Record<string, number>, n = 3) =>
    Object.entries(rec)
      .filter(([, v]) => Number.isFinite(v))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ');
  const sum = (rec: Record<string, number>) => Object.values(rec).filter(Number.isFinite).reduce((a, b) => a + b, 0);
  const row = (label: string, k: Variant['key']) =>
    `  ${label.padEnd(24)}${sec(m[k].readyMs).padStart(9)}  (${range(samples[k].map(x => x.readyMs), sec)})` +
    `${mib(m[k].rssMiB).padStart(10)}  (${range(samples[k].map(x => x.rssMiB), mib)})`;
  console.log(`backend startup, ${result.plugins.length} backend plugins/modules, median of ${runs} starts (${process.version}, RSS ${settleMs} ms after ready)`);
  console.log(`  ${''.padEnd(24)}time to ready (min..max)           RSS (min..max)`);
  console.log(row('baseline (no plugins)', 'baseline'));
  console.log(row('dynamic, empty root', 'dynamicEmpty'));
  console.log(row('(a) static', 'static'));
  console.log(row('(b) dynamic', 'dynamic'));
  console.log(`ratio dynamic/static, time to ready: ${timeRatio.toFixed(3)}  (target <= ${TARGET.toFixed(2)}: ${verdict(result.pass.readyTime)})`);
  console.log(`ratio dynamic/static, RSS:           ${rssRatio.toFixed(3)}  (target <= ${TARGET.toFixed(2)}: ${verdict(result.pass.rss)})`);
  console.log(
    `what dominates: the backend's own start (baseline ${sec(m.baseline.readyMs)}, ${mib(m.baseline.rssMiB)}); ` +
      `the 10 plugins add ${signed(b.readyMs.pluginsThemselves, sec)} / ${signed(b.rssMiB.pluginsThemselves, mib)} statically, ` +
      `loading them dynamically ${signed(b.readyMs.dynamicOverTotal, sec)} / ${signed(b.rssMiB.dynamicOverTotal, mib)} more ` +
      `(the loader alone, empty root vs baseline: ${signed(b.readyMs.loaderWithEmptyRoot, sec)} / ${signed(b.rssMiB.loaderWithEmptyRoot, mib)})`,
  );
  console.log(`  static: requiring the 10 packages took ${sum(requireMs).toFixed(0)} ms (largest: ${top(requireMs)})`);
  console.log(`  dynamic: the plugins' init took ${sum(initMs).toFixed(0)} ms in total (largest: ${top(initMs)})`);
  const topMiB = Object.entries(probe.perPluginRssMiB).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(1)} MiB`).join(', ');
  console.log(
    `  module loading alone (probe, RSS after GC): backend core ${probe.coreRequireMs.toFixed(0)} ms / +${probe.coreRssMiB.toFixed(0)} MiB; ` +
      `the 10 plugins ${probe.pluginsRequireMs.toFixed(0)} ms / +${probe.pluginsRssMiB.toFixed(1)} MiB (largest: ${topMiB})`,
  );
  console.log(`  machine load (1 min) during the runs: ${result.load.map(l => l.toFixed(1)).join(' -> ')} on ${os.cpus().length} CPUs${Math.max(...result.load) > os.cpus().length ? ' (busy: expect noise)' : ''}`);
}
