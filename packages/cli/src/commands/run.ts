import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { supervise } from '../supervisor/supervise';

interface RunOptions {
  pluginsConfig: string;
  root: string;
  config: string[];
  /** false with --no-plugins. */
  plugins: boolean;
  backend: string;
  port?: string;
  host?: string;
  maxRestarts: string;
  restartWindow: string;
  installTimeout: string;
}

/**
 * `devportal-cli run`: install the dynamic plugins, check the config and run
 * the backend, again each time the backend exits with RESTART_EXIT_CODE.
 * `./devportal start` and the container image both start the portal this
 * way, so an apply from the marketplace restarts the backend by itself.
 */
export async function runCommand(options: RunOptions) {
  const configs = options.config.map(file => path.resolve(file));
  const port = options.port !== undefined ? positiveInt(options.port, '--port') : listenPort(configs);
  const configCheckArgs = [
    ...(options.port !== undefined ? ['--port', String(port)] : []),
    ...(options.host !== undefined ? ['--host', options.host] : []),
  ];
  const status = await supervise({
    // The same CLI that runs this command, with the same node.
    cli: [process.execPath, process.argv[1]],
    pluginsConfig: options.plugins ? path.resolve(options.pluginsConfig) : undefined,
    root: path.resolve(options.root),
    configs,
    backend: [process.execPath, path.resolve(options.backend)],
    port,
    host: options.host,
    configCheckArgs,
    installTimeoutMs: positiveInt(options.installTimeout, '--install-timeout') * 1000,
    maxRestarts: positiveInt(options.maxRestarts, '--max-restarts'),
    restartWindowMs: positiveInt(options.restartWindow, '--restart-window') * 1000,
    log: line => process.stderr.write(`devportal: ${line}\n`),
  });
  process.exitCode = status;
}

/**
 * backend.listen.port of the config files (later files win), for the
 * readiness probe when no --port is given, as in the container, where
 * app-config.yaml says 7007 and the chart's extra config may say otherwise.
 */
function listenPort(configs: string[]): number {
  let port = 7007;
  for (const file of configs) {
    try {
      const value = YAML.parse(fs.readFileSync(file, 'utf8'))?.backend?.listen?.port;
      if (Number.isInteger(Number(value)) && Number(value) > 0) port = Number(value);
    } catch {
      // config check names the broken file.
    }
  }
  return port;
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive whole number, not '${value}'`);
  return n;
}
