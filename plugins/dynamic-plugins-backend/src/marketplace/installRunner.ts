import { spawn } from 'node:child_process';
import type { ApplyStage } from '@devportal/plugin-dynamic-plugins-common';

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
export function runInstaller(options: {
  cli: string;
  baseConfig: string;
  root: string;
  layerFile: string;
  extraArgs: string[];
  timeoutMs: number;
  onStage(stage: ApplyStage): void;
}): Promise<InstallRun> {
  const args = [
    options.cli,
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
  return new Promise(resolve => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      // No npm lifecycle scripts, whatever the environment says (the installer never runs any anyway).
      env: { ...process.env, npm_config_ignore_scripts: 'true', NODE_ENV: 'production' },
    });
    let stdout = '';
    let stderr = '';
    const seen = new Set<ApplyStage>();
    const stage = (next: ApplyStage) => {
      if (!seen.has(next)) {
        seen.add(next);
        options.onStage(next);
      }
    };
    child.stdout.on('data', chunk => {
      stdout += chunk;
    });
    child.stderr.on('data', chunk => {
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
      resolve({ ok: false, reason: `the installer could not be started (${options.cli}): ${error.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') {
        resolve({ ok: false, reason: `the installer did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped` });
        return;
      }
      resolve(interpret(code, stdout, stderr));
    });
  });
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
