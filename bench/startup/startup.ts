/**
 * bench/startup: how long `./devportal start` takes to serve a ready portal
 * when everything is installed and built (second run), the server's resident
 * memory after start, and, with --cold, a first run from a fresh clone.
 *
 * Baseline in the same run: the built backend started directly with node, the
 * same config, no wrapper. The ratio shows what ./devportal's checks add.
 *
 *   node bench/startup/startup.ts [--runs 3] [--cold] [--json]
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, waitFor } from '../../e2e/support/ports.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    cold: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: node bench/startup/startup.ts [--runs N] [--cold] [--json]');
  process.exit(0);
}
const progress = (msg: string) => !values.json && process.stderr.write(`startup: ${msg}\n`);

interface Sample {
  seconds: number;
  rssMiB: number;
}

/** Starts a command, waits for the readiness endpoint, samples RSS, stops it. */
async function timeToReady(cmd: string, args: string[], cwd: string, env: Record<string, string>, port: number): Promise<Sample> {
  const started = performance.now();
  const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: 'ignore', detached: true });
  try {
    await waitFor('readiness', async () => {
      if (child.exitCode !== null) throw new Error(`${cmd} exited with ${child.exitCode}`);
      const res = await fetch(`http://127.0.0.1:${port}/.backstage/health/v1/readiness`);
      return res.ok ? true : undefined;
    }, 900_000, 100);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rssMiB: backendRssMiB(port) };
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise(r => child.once('exit', r));
  }
}

/** RSS of the process listening on the port (the backend, not the wrapper). */
function backendRssMiB(port: number): number {
  const out = execFileSync('ss', ['-Hltnp', `sport = :${port}`]).toString();
  const pid = Number(/pid=(\d+)/.exec(out)?.[1]);
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const runs = Number(values.runs);
  const devportal = path.join(repoRoot, 'devportal');
  progress('first start (installs and builds if needed, not measured)');
  let port = await freePort();
  await timeToReady(devportal, ['start'], repoRoot, { DEVPORTAL_PORT: String(port) }, port);

  const wrapper: Sample[] = [];
  const direct: Sample[] = [];
  for (let i = 0; i < runs; i++) {
    port = await freePort();
    progress(`run ${i + 1}/${runs}: ./devportal start`);
    wrapper.push(await timeToReady(devportal, ['start'], repoRoot, { DEVPORTAL_PORT: String(port) }, port));
    port = await freePort();
    progress(`run ${i + 1}/${runs}: backend started directly (baseline)`);
    const configs = ['app-config.yaml', '.devportal/app-config.runtime.yaml', 'dynamic-plugins-root/app-config.dynamic-plugins.yaml'];
    // The runtime config of the last ./devportal start names its port; override it.
    const portConfig = path.join(os.tmpdir(), `devportal-bench-port-${port}.yaml`);
    fs.writeFileSync(portConfig, `backend:\n  listen:\n    port: ${port}\n`);
    direct.push(
      await timeToReady(
        process.execPath,
        ['.devportal/backend/packages/backend', ...[...configs, portConfig].flatMap(c => ['--config', c])],
        repoRoot,
        { NODE_ENV: 'production' },
        port,
      ),
    );
  }

  let cold: number | undefined;
  if (values.cold) {
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-cold-'));
    execFileSync('git', ['clone', '-q', repoRoot, clone]);
    port = await freePort();
    progress(`cold first run in a fresh clone (${clone})`);
    cold = (await timeToReady(path.join(clone, 'devportal'), ['start'], clone, { DEVPORTAL_PORT: String(port) }, port)).seconds;
    fs.rmSync(clone, { recursive: true, force: true });
  }

  const result = {
    runs,
    secondRunStartSeconds: median(wrapper.map(s => s.seconds)),
    directBackendStartSeconds: median(direct.map(s => s.seconds)),
    wrapperOverheadRatio: median(wrapper.map(s => s.seconds)) / median(direct.map(s => s.seconds)),
    rssMiBAfterStart: median(wrapper.map(s => s.rssMiB)),
    coldFirstRunSeconds: cold,
  };
  if (values.json) {
    console.log(JSON.stringify(result));
  } else {
    console.log(`second-run ./devportal start to ready: ${result.secondRunStartSeconds.toFixed(1)} s (median of ${runs})`);
    console.log(`backend started directly (baseline):  ${result.directBackendStartSeconds.toFixed(1)} s`);
    console.log(`ratio ./devportal start / direct:     ${result.wrapperOverheadRatio.toFixed(2)}`);
    console.log(`backend RSS after start:              ${result.rssMiBAfterStart.toFixed(0)} MiB`);
    if (cold !== undefined) console.log(`cold first run (fresh clone):         ${cold.toFixed(0)} s`);
  }
}

await main();
