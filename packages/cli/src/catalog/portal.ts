import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { stringify } from 'yaml';

/** A built backend started for the smoke tests, on its own port and data folder. */
export interface SmokePortal {
  baseUrl: string;
  token: string;
  logs(): string;
  stop(): Promise<void>;
}

export interface PortalPlugin {
  /** The plugin package folder (a cache folder of the build). */
  dir: string;
  pluginConfig?: Record<string, unknown>;
}

/**
 * Installs DevPortal's bundled plugins plus `plugins` with the real
 * installer (as `dynamic-plugins.yaml` local folders) and starts the built
 * backend the way `./devportal start` does (NODE_ENV=production, the repo's
 * app-config.yaml first), with `extraConfig` last. Waits for readiness and
 * signs in as the guest. The install's own failures are left to the status
 * the portal reports per plugin.
 */
export async function startSmokePortal(options: {
  repoRoot: string;
  workDir: string;
  firstPort: number;
  plugins: PortalPlugin[];
  extraConfig: Record<string, unknown>;
  log(message: string): void;
}): Promise<SmokePortal> {
  const { repoRoot, workDir } = options;
  await fs.rm(workDir, { recursive: true, force: true });
  await fs.mkdir(path.join(workDir, 'c'), { recursive: true });
  // Bundled plugins resolve against the folder of the file including them.
  await fs.symlink(path.join(repoRoot, 'dynamic-plugins'), path.join(workDir, 'dynamic-plugins'), 'dir');
  await fs.copyFile(path.join(repoRoot, 'dynamic-plugins.yaml'), path.join(workDir, 'bundled.yaml'));
  const entries = [];
  for (const [index, plugin] of options.plugins.entries()) {
    // Local folders must sit under the config's folder: each build's folder is linked in.
    const link = path.join(workDir, 'c', String(index));
    await fs.symlink(path.dirname(plugin.dir), link, 'dir');
    entries.push({ package: `./c/${index}/${path.basename(plugin.dir)}`, ...(plugin.pluginConfig ? { pluginConfig: plugin.pluginConfig } : {}) });
  }
  await fs.writeFile(path.join(workDir, 'dynamic-plugins.yaml'), stringify({ includes: ['bundled.yaml'], plugins: entries }));
  const root = path.join(workDir, 'root');
  const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
  options.log(`smoke: installing ${entries.length} plugins into ${root}`);
  const installed = await new Promise<string>(resolve => {
    execFile(process.execPath, [cli, 'plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', root], { cwd: workDir, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve(error ? `${stdout}\n${stderr}` : ''),
    );
  });
  if (installed) options.log(`smoke: the installer reported problems:\n${installed.trim().split('\n').slice(-15).join('\n')}`);
  const dynamicConfig = path.join(root, 'app-config.dynamic-plugins.yaml');
  await fs.access(dynamicConfig).catch(() => {
    throw new Error(`the plugin installer wrote no ${dynamicConfig}: ${installed.slice(-1500)}`);
  });

  const port = await firstFreePort(options.firstPort);
  const baseUrl = `http://localhost:${port}`;
  const data = path.join(workDir, 'data');
  await fs.mkdir(path.join(data, 'scaffolder'), { recursive: true });
  const runtime = {
    app: { baseUrl },
    backend: {
      baseUrl,
      listen: { host: '127.0.0.1', port },
      cors: { origin: baseUrl },
      workingDirectory: path.join(data, 'scaffolder'),
      database: { client: 'better-sqlite3', connection: ':memory:' },
    },
    techdocs: { publisher: { local: { publishDirectory: path.join(data, 'techdocs') } } },
    devportal: { scaffolder: { localPublish: { directory: path.join(data, 'generated') } } },
  };
  const files = [path.join(repoRoot, 'app-config.yaml'), dynamicConfig];
  for (const [name, config] of [['runtime', runtime], ['smoke', options.extraConfig]] as const) {
    const file = path.join(workDir, `app-config.${name}.yaml`);
    await fs.writeFile(file, stringify(config));
    files.push(file);
  }
  const backendEntry = process.env.DEVPORTAL_BACKEND_ENTRY ?? path.join(repoRoot, '.devportal/backend/packages/backend');
  options.log(`smoke: starting the portal on ${baseUrl} (log: ${path.join(workDir, 'backend.log')})`);
  const child = spawn(process.execPath, [backendEntry, ...files.flatMap(f => ['--config', f])], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production', SMOKE_BASE_URL: baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const logFile = await fs.open(path.join(workDir, 'backend.log'), 'w');
  const onData = (d: Buffer) => {
    output += d;
    void logFile.write(d);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const stop = async () => {
    await stopChild(child, exited);
    await logFile.close().catch(() => {});
  };
  try {
    await poll(240_000, async () => {
      if (child.exitCode !== null) throw new Error(`the portal exited with ${child.exitCode}: ${output.slice(-2000)}`);
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`).catch(() => undefined);
      return res?.ok ? true : undefined;
    });
    const res = await fetch(`${baseUrl}/api/auth/guest/refresh`, { headers: { 'x-requested-with': 'XMLHttpRequest' } });
    if (!res.ok) throw new Error(`guest sign-in failed: ${res.status}`);
    const token = ((await res.json()) as { backstageIdentity: { token: string } }).backstageIdentity.token;
    return { baseUrl, token, logs: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<void>) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls until `check` gives a value; throws its last error (or a timeout) after `timeoutMs`. */
export async function poll<T>(timeoutMs: number, check: () => Promise<T | undefined>, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
      if (String((error as Error).message).startsWith('the portal exited')) throw error;
    }
    if (Date.now() > deadline) throw last instanceof Error ? last : new Error(`timed out after ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, intervalMs));
  }
}

async function firstFreePort(from: number): Promise<number> {
  for (let port = from; port < from + 100; port++) {
    const free = await new Promise<boolean>(resolve => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`no free port in ${from}-${from + 99}`);
}
