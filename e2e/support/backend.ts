import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { freePort, waitFor } from './ports.ts';

export const repoRoot = process.env.DEVPORTAL_ROOT ?? path.resolve(import.meta.dirname, '../..');
export const backendEntry =
  process.env.DEVPORTAL_BACKEND_ENTRY ?? path.join(repoRoot, '.devportal/backend/packages/backend');

export interface StartedBackend {
  baseUrl: string;
  port: number;
  /** Everything the backend printed so far. */
  logs(): string;
  /** Sends a signal to the backend process (stop() is the usual way out). */
  kill(signal: NodeJS.Signals): void;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface BackendOptions {
  /**
   * Install the repository's dynamic-plugins.yaml (DevPortal's bundled
   * dynamic plugins) into a root of this backend, as ./devportal start does.
   * Default true.
   */
  withBundledPlugins?: boolean;
  /** Repo config files loaded after app-config.yaml, e.g. app-config.production.yaml. */
  configFiles?: string[];
  /** Extra app-config, merged after app-config.yaml and the test's own settings. */
  config?: Record<string, unknown>;
  /** Keep data in this folder instead of a fresh temporary one. */
  dataDir?: string;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

/**
 * Starts the built backend the way `./devportal start` does (same entry point,
 * same app-config.yaml, NODE_ENV=production) on a free port, with its data in
 * a temporary folder, and waits for readiness.
 */
export async function startBackend(options: BackendOptions = {}): Promise<StartedBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-test-'));
  const runtime = runtimeConfig(baseUrl, port, dataDir);
  const usesSqlite = !(options.configFiles ?? []).includes('app-config.production.yaml');
  if (usesSqlite) {
    // Only for SQLite: with pg these keys would leak into the pg connection.
    runtime.backend.database = { connection: { directory: path.join(dataDir, 'sqlite') } };
  }
  fs.mkdirSync(path.join(dataDir, 'scaffolder'), { recursive: true });
  const files = [
    path.join(repoRoot, 'app-config.yaml'),
    ...(options.withBundledPlugins === false ? [] : [installBundledPlugins(dataDir)]),
    ...(options.configFiles ?? []).map(f => path.resolve(repoRoot, f)),
    writeConfig(dataDir, 'runtime', runtime),
  ];
  if (options.config) files.push(writeConfig(dataDir, 'extra', options.config));

  const child = spawn(process.execPath, [backendEntry, ...files.flatMap(f => ['--config', f])], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', d => (output += d));
  child.stderr!.on('data', d => (output += d));
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)));

  const started: StartedBackend = {
    baseUrl,
    port,
    logs: () => output,
    kill: signal => child.kill(signal),
    exited,
    stop: () => stopProcess(child, exited),
  };
  try {
    await waitFor(
      `backend readiness on ${baseUrl}`,
      async () => {
        if (child.exitCode !== null) {
          throw new Error(`backend exited with ${child.exitCode}:\n${output.slice(-4000)}`);
        }
        const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
        return res.ok ? true : undefined;
      },
      options.readyTimeoutMs ?? 180_000,
    );
  } catch (error) {
    await started.stop();
    throw new Error(`${(error as Error).message}\n--- backend output ---\n${output.slice(-4000)}`);
  }
  return started;
}

/**
 * What ./devportal's runtime config sets, for a backend on `port` keeping its
 * data (scaffolder scratch space, TechDocs, generated projects) in `dataDir`.
 */
export function runtimeConfig(baseUrl: string, port: number, dataDir: string): Record<string, any> {
  return {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      cors: { origin: baseUrl },
      workingDirectory: path.join(dataDir, 'scaffolder'),
    },
    techdocs: { publisher: { local: { publishDirectory: path.join(dataDir, 'techdocs') } } },
    devportal: { scaffolder: { localPublish: { directory: path.join(dataDir, 'generated') } } },
  };
}

/** Runs the plugin installer on the repository's dynamic-plugins.yaml; returns its app-config. */
function installBundledPlugins(dataDir: string): string {
  const root = path.join(dataDir, 'dynamic-plugins-root');
  execFileSync(
    process.execPath,
    [path.join(repoRoot, 'packages/cli/bin/devportal-cli'), 'plugins', 'install', '--config', path.join(repoRoot, 'dynamic-plugins.yaml'), '--root', root],
    { stdio: 'pipe' },
  );
  return path.join(root, 'app-config.dynamic-plugins.yaml');
}

export function writeConfig(dir: string, name: string, config: Record<string, unknown>) {
  const file = path.join(dir, `app-config.${name}.yaml`);
  fs.writeFileSync(file, stringify(config));
  return file;
}

export async function stopProcess(child: ChildProcess, exited: Promise<number | null>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // The backend exits within 5 s of SIGTERM (e2e/integration/shutdown.test.ts);
  // a test must not hang on one that does not.
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Signs in through the real guest auth endpoint and returns the Backstage token. */
export async function signInAsGuest(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  if (!res.ok) throw new Error(`guest sign-in failed: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { backstageIdentity: { token: string } };
  return body.backstageIdentity.token;
}

/** GET with a bearer token, parsed as JSON; throws on a non-2xx answer. */
export async function getJson<T = any>(url: string, token: string): Promise<T> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
