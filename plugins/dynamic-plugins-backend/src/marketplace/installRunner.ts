import { spawn, type ChildProcess } from 'node:child_process';
import { WARM_INSTALLER_ENV, type ApplyStage } from '@devportal/plugin-dynamic-plugins-common';

export interface InstallRun {
  ok: boolean;
  /** One line per failed plugin, or why the installer did not run. */
  reason?: string;
}

/**
 * Runs `devportal-cli plugins install` for one generation in a child process
 * (docs/architecture.md: untrusted input, memory and CPU stay out of the
 * serving process, a timeout can kill it, and it takes the same lock on the
 * root as `./devportal start`). Progress lines become apply stages.
 */
export async function runInstaller(options: {
  cli: string;
  baseConfig: string;
  root: string;
  layerFile: string;
  extraArgs: string[];
  timeoutMs: number;
  onStage(stage: ApplyStage): void;
  /** An installer started ahead, whose module loading is done: used when it is still there. */
  warm?: WarmInstaller;
}): Promise<InstallRun> {
  const args = [
    'plugins',
    'install',
    '--config',
    options.baseConfig,
    '--root',
    options.root,
    '--layer',
    options.layerFile,
    '--json',
    '--progress',
    // An apply must not switch in what the loader would refuse: the running generation stays.
    '--refuse-incompatible',
    ...options.extraArgs,
  ];
  const inNewProcess = () => watch(spawn(process.execPath, [options.cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: installerEnv() }), options);
  const warm = options.warm?.take();
  if (!warm) return inNewProcess();
  warm.stdin!.on('error', () => {});
  warm.stdin!.end(`${JSON.stringify(args)}\n`);
  const run = await watch(warm, options);
  // A warm installer that went away before its work (it printed no result): the same install, in a new process.
  return run.answered ? run : inNewProcess();
}

/** Follows one installer process to its end: its progress as stages, its result, its timeout. */
function watch(
  child: ChildProcess,
  options: { cli: string; timeoutMs: number; onStage(stage: ApplyStage): void },
): Promise<InstallRun & { answered: boolean }> {
  return new Promise(resolve => {
    let stdout = '';
    let stderr = '';
    const seen = new Set<ApplyStage>();
    const stage = (next: ApplyStage) => {
      if (!seen.has(next)) {
        seen.add(next);
        options.onStage(next);
      }
    };
    child.stdout!.on('data', chunk => {
      stdout += chunk;
    });
    child.stderr!.on('data', chunk => {
      stderr += chunk;
      // The installer's per-plugin lines: "<key>: fetching (npm)", "<key>: installed <name>@<version>".
      if (/: fetching \(/.test(stderr)) stage('download');
      if (/: installed /.test(stderr)) {
        stage('verify');
        stage('extract');
      }
      if (stderr.length > 1_000_000) stderr = stderr.slice(-100_000);
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', error => {
      clearTimeout(timer);
      resolve({ ok: false, answered: false, reason: `the installer could not be started (${options.cli}): ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        resolve({ ok: false, answered: true, reason: `the installer did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped` });
        return;
      }
      resolve({ ...interpret(code, stdout, stderr), answered: stdout.trim() !== '' });
    });
  });
}

/** No npm lifecycle scripts, whatever the environment says (the installer never runs any anyway). */
function installerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, npm_config_ignore_scripts: 'true', NODE_ENV: 'production', ...extra };
}

/**
 * One installer process started ahead of an apply (WARM_INSTALLER_ENV): it
 * loads the install's modules, most of an install's CPU, then waits without
 * using any until it gets its arguments. On a backend that is serving, an
 * install competes with the traffic for the CPU, and an apply then waits
 * only for the install's own work. Started when a change is staged, since an
 * apply usually follows; one that is not used goes after `idleMs`.
 */
export class WarmInstaller {
  private waiting: { child: ChildProcess; timer: NodeJS.Timeout } | undefined;

  constructor(private readonly cli: string, private readonly idleMs = 10 * 60_000) {}

  /** Starts one unless one waits already. */
  warm(): void {
    if (this.waiting && isRunning(this.waiting.child)) return;
    this.drop();
    const child = spawn(process.execPath, [this.cli], { stdio: ['pipe', 'pipe', 'pipe'], env: installerEnv({ [WARM_INSTALLER_ENV]: '1' }) });
    child.on('error', () => {});
    // A waiting installer does not keep the backend's process alive; it exits when its stdin closes.
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?(): void }).unref?.();
    const timer = setTimeout(() => this.drop(), this.idleMs);
    timer.unref();
    this.waiting = { child, timer };
  }

  /** The waiting installer if it is still alive, for one install; undefined otherwise. */
  take(): ChildProcess | undefined {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (!waiting) return undefined;
    clearTimeout(waiting.timer);
    const { child } = waiting;
    if (!isRunning(child)) return undefined;
    child.ref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { ref?(): void }).ref?.();
    return child;
  }

  /** Stops the waiting installer, if any. */
  drop(): void {
    if (!this.waiting) return;
    clearTimeout(this.waiting.timer);
    this.waiting.child.stdin?.end();
    this.waiting = undefined;
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null && !child.killed;
}

function interpret(code: number | null, stdout: string, stderr: string): InstallRun {
  const last = stdout.trim().split('\n').pop() ?? '';
  let result: any;
  try {
    result = JSON.parse(last);
  } catch {
    result = undefined;
  }
  if (code === 0 && result?.ok) return { ok: true };
  if (result?.error?.message) return { ok: false, reason: result.error.message };
  const failed = (result?.plugins ?? [])
    .filter((p: any) => p.status === 'failed' || p.error)
    .map((p: any) => p.error?.message ?? `${p.key}: failed`);
  if (failed.length > 0) return { ok: false, reason: failed.join('\n') };
  const tail = stderr.trim().split('\n').slice(-3).join('\n');
  return { ok: false, reason: `the installer exited with ${code}${tail ? `: ${tail}` : ''}` };
}
