import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  backendEntry,
  repoRoot,
  runtimeConfig,
  stopProcess,
  writeConfig,
  type BackendOptions,
  type StartedBackend,
} from './backend.ts';
import { freePort, waitFor } from './ports.ts';

export interface SupervisedOptions extends BackendOptions {
  /**
   * The dynamic-plugins.yaml the supervisor installs from, into a root in the
   * data folder. Default: the repository's (DevPortal's bundled plugins), or
   * none (`--no-plugins`) with `withBundledPlugins: false`.
   */
  pluginsConfig?: string;
  /** More arguments for `devportal-cli run`, e.g. `['--max-restarts', '1']`. */
  runArgs?: string[];
}

export interface StartedSupervisor extends StartedBackend {
  /** The dynamic plugins root the supervisor installs into. */
  root: string;
  dataDir: string;
  /** How often the output holds `line` (a whole line, without the `devportal: ` prefix). */
  count(line: string): number;
  /** Waits until the output holds `line` at least `times` times. */
  waitForLine(line: string, times?: number, timeoutMs?: number): Promise<void>;
}

/**
 * Starts the portal the way `./devportal start` does since it has a
 * supervisor: `devportal-cli run` installs the plugins, checks the config and
 * runs the built backend, again after an exit with 75. Same options as
 * `startBackend` (free port, data in a temporary folder, repo config files,
 * extra config); `kill` and `stop` signal the supervisor, which forwards the
 * signal to the backend.
 */
export async function startSupervised(options: SupervisedOptions = {}): Promise<StartedSupervisor> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-supervised-'));
  const root = path.join(dataDir, 'dynamic-plugins-root');
  const runtime = runtimeConfig(baseUrl, port, dataDir);
  if (!(options.configFiles ?? []).includes('app-config.production.yaml')) {
    runtime.backend.database = { connection: { directory: path.join(dataDir, 'sqlite') } };
  }
  fs.mkdirSync(path.join(dataDir, 'scaffolder'), { recursive: true });
  // The root's app-config.dynamic-plugins.yaml is appended by the supervisor.
  const files = [
    path.join(repoRoot, 'app-config.yaml'),
    ...(options.configFiles ?? []).map(f => path.resolve(repoRoot, f)),
    writeConfig(dataDir, 'runtime', runtime),
  ];
  if (options.config) files.push(writeConfig(dataDir, 'extra', options.config));

  const pluginsConfig = options.pluginsConfig ?? path.join(repoRoot, 'dynamic-plugins.yaml');
  const plugins = options.pluginsConfig || options.withBundledPlugins !== false ? ['--plugins-config', pluginsConfig] : ['--no-plugins'];
  const args = [
    path.join(repoRoot, 'packages/cli/bin/devportal-cli'),
    'run',
    ...plugins,
    '--root', root,
    '--backend', backendEntry,
    '--port', String(port),
    '--host', '127.0.0.1',
    ...files.flatMap(f => ['--config', f]),
    ...(options.runArgs ?? []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));
  const count = (line: string) => output.split('\n').filter(l => l === `devportal: ${line}`).length;

  const started: StartedSupervisor = {
    baseUrl,
    port,
    root,
    dataDir,
    logs: () => output,
    kill: signal => child.kill(signal),
    exited,
    stop: () => stopProcess(child, exited),
    count,
    waitForLine: async (line, times = 1, timeoutMs = 180_000) => {
      await waitFor(
        `'${line}' ${times} time(s) in the supervisor's output`,
        async () => {
          if (count(line) >= times) return true;
          if (child.exitCode !== null) throw new Error(`the supervisor exited with ${child.exitCode}`);
          return undefined;
        },
        timeoutMs,
        200,
      ).catch(error => {
        throw new Error(`${(error as Error).message}\n--- supervisor output ---\n${output.slice(-4000)}`);
      });
    },
  };
  try {
    await started.waitForLine(`DevPortal is ready: ${baseUrl}`, 1, options.readyTimeoutMs ?? 180_000);
  } catch (error) {
    await started.stop();
    throw error;
  }
  return started;
}
