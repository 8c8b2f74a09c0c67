/**
 * bench/marketplace: time from Apply to the plugin serving, through the
 * restart path (the backend stops with 75, `devportal-cli run` installs and
 * starts a new one), for a backend plugin and a frontend plugin.
 *
 * The portal runs under its supervisor on SQLite with DevPortal's bundled
 * plugins. Each run disables one plugin, applies (timed until it is gone),
 * then enables it and applies (timed until it serves again):
 *   backend:  portal-info (until GET /api/portal-info/... answers 200);
 *   frontend: header (until the remotes list a new page load fetches has it).
 * Baseline, same script: a plain restart of the same portal (SIGTERM to the
 * backend is not it: the supervisor would stop too), measured as the time
 * from a restart request with no plugin change to readiness.
 * Prints medians of --runs and the ratio apply→serving / restart.
 *
 *   node bench/marketplace/apply.ts [--runs 5] [--json]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, signInAsGuest } from '../../e2e/support/backend.ts';
import { startSupervised, type StartedSupervisor } from '../../e2e/support/supervised.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write('Usage: node bench/marketplace/apply.ts [--runs 5] [--json]\n\nTime from Apply to a backend and a frontend plugin serving, through the restart path; medians and ratios against a plain restart.\n');
  process.exit(0);
}
const runs = Number(values.runs);
const PORTAL_INFO = './dynamic-plugins/dist/devportal-plugin-portal-info-backend-dynamic';
const HEADER = './dynamic-plugins/dist/devportal-plugin-header-dynamic';
const progress = (line: string) => process.stderr.write(`${line}\n`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-marketplace-'));
let portal: StartedSupervisor;
let token = '';

async function call(method: string, route: string, body?: unknown) {
  const res = await fetch(`${portal.baseUrl}/api/dynamic-plugins${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.json();
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(resolve => setTimeout(resolve, 50));
  }
}

const backendServes = async () =>
  (await fetch(`${portal.baseUrl}/api/portal-info/links`, { headers: { authorization: `Bearer ${token}` } })).status === 200;
const frontendServes = async () => {
  const res = await fetch(`${portal.baseUrl}/.backstage/dynamic-features/remotes`);
  return res.ok && JSON.stringify(await res.json()).includes('plugin-header');
};

/** Stages one change, applies, and times until `serving` says what the change means. */
async function timedApply(action: 'enable' | 'disable', pkg: string, serving: () => Promise<boolean>, expected: boolean) {
  await call('POST', '/changes', { action, package: pkg });
  const restarts = portal.count('restarting to apply the plugin changes');
  const started = performance.now();
  await call('POST', '/apply');
  await portal.waitForLine('restarting to apply the plugin changes', restarts + 1);
  await until(`${pkg} ${action}d`, async () => {
    token = await signInAsGuest(portal.baseUrl);
    return (await serving()) === expected;
  });
  return performance.now() - started;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  progress(`bench/marketplace: ${runs} runs; starting the portal under its supervisor`);
  portal = await startSupervised({ dataDir: path.join(work, 'data'), pluginsConfig: path.join(repoRoot, 'dynamic-plugins.yaml') });
  token = await signInAsGuest(portal.baseUrl);
  const samples = { backend: [] as number[], frontend: [] as number[], restart: [] as number[] };
  for (let run = 1; run <= runs; run++) {
    await timedApply('disable', PORTAL_INFO, backendServes, false);
    samples.backend.push(await timedApply('enable', PORTAL_INFO, backendServes, true));
    await timedApply('disable', HEADER, frontendServes, false);
    samples.frontend.push(await timedApply('enable', HEADER, frontendServes, true));
    // Baseline: the same restart path with nothing to install (a rollback to the serving generation).
    const serving = ((await call('GET', '/generations')) as any).generations.find((g: any) => g.state === 'serving').id;
    const restarts = portal.count('restarting to apply the plugin changes');
    const started = performance.now();
    await call('POST', `/generations/${serving}/rollback`);
    await portal.waitForLine('restarting to apply the plugin changes', restarts + 1);
    await until('ready again', async () => (await fetch(`${portal.baseUrl}/.backstage/health/v1/readiness`)).ok);
    samples.restart.push(performance.now() - started);
    progress(`run ${run}: backend ${(samples.backend.at(-1)! / 1000).toFixed(1)} s, frontend ${(samples.frontend.at(-1)! / 1000).toFixed(1)} s, restart ${(samples.restart.at(-1)! / 1000).toFixed(1)} s`);
  }
  await portal.stop();
  const result = {
    runs,
    medianMs: { backend: median(samples.backend), frontend: median(samples.frontend), restart: median(samples.restart) },
    ratios: {
      backendToRestart: median(samples.backend) / median(samples.restart),
      frontendToRestart: median(samples.frontend) / median(samples.restart),
    },
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    process.stdout.write(
      [
        `Apply → backend plugin serving:  median ${(result.medianMs.backend / 1000).toFixed(1)} s`,
        `Apply → frontend plugin served:  median ${(result.medianMs.frontend / 1000).toFixed(1)} s`,
        `No-change apply (restart alone): median ${(result.medianMs.restart / 1000).toFixed(1)} s`,
        `ratios: backend/restart ${result.ratios.backendToRestart.toFixed(2)}, frontend/restart ${result.ratios.frontendToRestart.toFixed(2)}`,
        '',
      ].join('\n'),
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch(async error => {
  process.stderr.write(`bench/marketplace: ${(error as Error).message}\n`);
  await portal?.stop();
  process.exit(1);
});
