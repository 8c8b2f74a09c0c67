/**
 * bench/backend-startup: the cost of loading backend plugins dynamically.
 *
 * The same 10 backend plugins/modules are loaded
 *   (a) static:  compiled into the backend (a generated entry with the built
 *                backend's composition, minus the dynamic plugins loader, plus
 *                the 10 packages added with backend.add), and
 *   (b) dynamic: by the normal built backend, from a dynamic plugins root
 *                filled by `devportal-cli plugins install`.
 * Two baselines, same config, show where the time and memory go:
 *   baseline:      the static entry without the 10 plugins (no extra plugins, no loader);
 *   dynamic-empty: the normal built backend with an empty root (loader, no plugins).
 *
 * Per start: wall time from spawn to the first 200 on
 * /.backstage/health/v1/readiness (polled every 50 ms), then VmRSS of the
 * backend process after a settle delay. Variants alternate within each run;
 * medians of --runs. Targets: dynamic/static <= 1.10 for time and for RSS.
 *
 *   node bench/backend-startup/backend-startup.ts [--runs 5] [--json]
 *
 * Files: plugins.ts (the 10), entries.ts (generated static entry and probe),
 * variants.ts (set-up of the four variants), measure.ts and verify.ts (one
 * start), report.ts (medians, ratios, summary); this file only runs them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runProbe } from './entries.ts';
import { killRunning, measure } from './measure.ts';
import { backendBuiltEntry, cli, repoRoot } from './paths.ts';
import { SHIPPED } from './plugins.ts';
import { printSummary, summarize, TARGET, type Samples } from './report.ts';
import { prepareVariants } from './variants.ts';

const usage = `Usage: node bench/backend-startup/backend-startup.ts [options]

Starts the DevPortal backend with the same 10 backend plugins/modules loaded
(a) statically (compiled into a generated backend entry) and (b) dynamically
(installed into a dynamic plugins root), plus two baselines, and compares
time to readiness and RSS after start (medians). Target: dynamic/static <= ${TARGET.toFixed(2)}.

Options:
  --runs <n>       measured starts per variant (default 5)
  --settle-ms <n>  wait after readiness before reading RSS (default 2000)
  --json           print the summary as JSON on stdout
  --keep           keep the work folder (bench/backend-startup/.work-XXXXXX)
  --help           this text

Progress goes to stderr. Needs Node 22, the built backend in
.devportal/backend (./devportal start builds it) and the exported plugins in
dynamic-plugins/dist and .devportal/tools/third-party/exported.`;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'settle-ms': { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(values.runs);
const settleMs = Number(values['settle-ms']);
if (!Number.isInteger(runs) || runs < 1 || !Number.isFinite(settleMs) || settleMs < 0) {
  console.error(usage);
  process.exit(2);
}
const progress = (msg: string) => process.stderr.write(`backend-startup: ${msg}\n`);

let work = '';

function cleanupSync() {
  killRunning();
  if (work && !values.keep) fs.rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanupSync();
    process.exit(130);
  });
}

async function main() {
  for (const f of [backendBuiltEntry, cli, ...SHIPPED.map(s => path.join(repoRoot, s, 'package.json'))]) {
    if (!fs.existsSync(f)) throw new Error(`missing ${f} (build the backend and export the plugins first, e.g. ./devportal start)`);
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) throw new Error(`Node 22 needed (this is ${process.version})`);

  work = fs.mkdtempSync(path.join(import.meta.dirname, '.work-'));
  progress(`work folder ${path.relative(repoRoot, work)}`);
  const { variants, expect, probeFile, installed } = prepareVariants(work, progress);
  const settings = { work, settleMs };

  progress('warm-up: one start of each variant (file cache), not measured');
  for (const v of variants) await measure(v, expect, settings);

  const loadBefore = os.loadavg()[0];
  const samples: Samples = { baseline: [], static: [], dynamic: [], dynamicEmpty: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate the order so that no variant always runs first or last.
    const order = i % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const s = await measure(v, expect, settings);
      samples[v.key].push(s);
      progress(`run ${i + 1}/${runs} ${v.label.padEnd(28)} ready ${(s.readyMs / 1000).toFixed(2)} s  RSS ${s.rssMiB.toFixed(0)} MiB`);
    }
  }

  progress(`module-loading probe, ${runs}x`);
  const probes = Array.from({ length: runs }, () => runProbe(probeFile));
  const result = summarize({ runs, settleMs, plugins: installed.map(p => p.name), samples, probes, load: [loadBefore, os.loadavg()[0]] });

  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  printSummary(result);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`backend-startup: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  cleanupSync();
  work = '';
}
