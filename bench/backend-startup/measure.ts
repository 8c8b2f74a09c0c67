/**
 * One measured start: spawn a backend variant, time it to readiness, read its
 * RSS, have its plugins checked, stop it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { runtimeConfig } from '../../e2e/support/backend.ts';
import { freePort } from '../../e2e/support/ports.ts';
import { get } from './http.ts';
import { repoRoot } from './paths.ts';
import { verify, type Expectations } from './verify.ts';

const STOP_GRACE_MS = 5000;

export interface Variant {
  key: 'baseline' | 'static' | 'dynamic' | 'dynamicEmpty';
  label: string;
  entry: string;
  /** Config files after app-config.yaml, before the per-start runtime config. */
  configFiles: string[];
}

export interface Sample {
  readyMs: number;
  rssMiB: number;
  /** Per-plugin require time in the static entry, ms. */
  requireMs?: Record<string, number>;
  /** Per-package init time reported by the dynamic loader, ms. */
  initMs?: Record<string, number>;
}

export interface MeasureSettings {
  /** The work folder; each start gets its own data folder under it. */
  work: string;
  /** Wait after readiness before reading RSS, ms. */
  settleMs: number;
}

/** Started and not yet stopped, so that an interrupted bench leaves none behind. */
const running = new Set<ChildProcess>();

export function killRunning() {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function vmRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)\s*kB/.exec(status)![1]) / 1024;
}

let startCounter = 0;

/**
 * Starts one backend, measures it, checks that the plugins it should have
 * answer (and those it should not have do not), stops it.
 */
export async function measure(variant: Variant, expect: Expectations, { work, settleMs }: MeasureSettings): Promise<Sample> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = path.join(work, 'data', `${variant.key}-${++startCounter}`);
  fs.mkdirSync(path.join(dataDir, 'scaffolder'), { recursive: true });
  const runtimeFile = path.join(dataDir, 'app-config.runtime.yaml');
  const runtime = runtimeConfig(baseUrl, port, dataDir);
  runtime.backend.database = { client: 'better-sqlite3', connection: ':memory:' };
  fs.writeFileSync(runtimeFile, stringify(runtime));
  const configs = [path.join(repoRoot, 'app-config.yaml'), ...variant.configFiles, runtimeFile];
  const args = [variant.entry, ...configs.flatMap(c => ['--config', c])];

  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  let output = '';
  const collect = (d: Buffer) => {
    output += d;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  try {
    const deadline = started + 180_000;
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${variant.label} backend exited (${child.exitCode ?? child.signalCode}) before ready:\n${output.slice(-4000)}`);
      }
      if (performance.now() > deadline) throw new Error(`${variant.label} backend not ready within 180 s:\n${output.slice(-4000)}`);
      try {
        const res = await get(`${baseUrl}/.backstage/health/v1/readiness`, {}, 1000);
        if (res.status === 200) readyMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await sleep(50);
    }
    await sleep(settleMs);
    const rssMiB = vmRssMiB(child.pid!);
    const sample: Sample = { readyMs, rssMiB };

    const requireLine = /\[bench\] require-ms (\{.*\})/.exec(output);
    if (requireLine) sample.requireMs = JSON.parse(requireLine[1]);
    await verify(variant, baseUrl, expect, sample, () => output);
    return sample;
  } finally {
    // Not measured. A graceful stop can take about a minute (the events bus
    // long-poll requests keep the HTTP server open), so SIGKILL after a short
    // grace: the data is in memory or in the start's own folder.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
