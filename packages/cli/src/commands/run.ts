import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { supervise } from '../supervisor/supervise';
import { nonNegativeInt, positiveInt } from './wholeNumberFlags';

interface RunOptions {
  pluginsConfig: string;
  root: string;
  config: string[];
  /** false with --no-plugins. */
  plugins: boolean;
  /** --preset names, added to dynamic-plugins.yaml's `presets:`. */
  preset: string[];
  /** --presets-catalog: the published catalog presets install from. */
  presetsCatalog?: string;
  backend: string;
  port?: string;
  host?: string;
  maxRestarts: string;
  restartWindow: string;
  installTimeout: string;
  generationTimeout: string;
  drainTimeout: string;
  probation: string;
  maxBackendRequests: string;
}

/**
 * `devportal-cli run`: own the public port, install the dynamic plugins,
 * check the config and run the backend behind the port; an apply from the
 * marketplace gets a new backend generation beside the serving one (see
 * supervisor/supervise.ts). `./devportal start` and the container image both
 * start the portal this way.
 */
export async function runCommand(options: RunOptions) {
  selectPresets(options.preset);
  // Like --preset: through the environment, to every install of this run and to the backend.
  if (options.presetsCatalog) (await import('@devportal/plugin-installer')).selectPresetsCatalog(options.presetsCatalog, process.cwd());
  const configs = options.config.map(file => path.resolve(file));
  const fromConfig = listenAddress(configs);
  const port = options.port !== undefined ? positiveInt(options.port, '--port') : fromConfig.port;
  // No --port: the supervisor holds the public port itself (and says so when it is taken).
  const configCheckArgs = options.host !== undefined ? ['--host', options.host] : [];
  const status = await supervise({
    // The same CLI that runs this command, with the same node.
    cli: [process.execPath, process.argv[1]],
    pluginsConfig: options.plugins ? path.resolve(options.pluginsConfig) : undefined,
    root: path.resolve(options.root),
    configs,
    backend: [process.execPath, path.resolve(options.backend)],
    port,
    host: options.host ?? fromConfig.host,
    configCheckArgs,
    installTimeoutMs: positiveInt(options.installTimeout, '--install-timeout') * 1000,
    maxRestarts: positiveInt(options.maxRestarts, '--max-restarts'),
    restartWindowMs: positiveInt(options.restartWindow, '--restart-window') * 1000,
    generationTimeoutMs: positiveInt(options.generationTimeout, '--generation-timeout') * 1000,
    drainTimeoutMs: positiveInt(options.drainTimeout, '--drain-timeout') * 1000,
    probationMs: Number(options.probation) >= 0 ? Number(options.probation) * 1000 : positiveInt(options.probation, '--probation'),
    maxBackendRequests: nonNegativeInt(options.maxBackendRequests, '--max-backend-requests'),
    log: line => process.stderr.write(`devportal: ${line}\n`),
  });
  process.exitCode = status;
}

/**
 * backend.listen of the config files (later files win), for the public port
 * when no --port/--host is given, as in the container, where app-config.yaml
 * says 7007 and the chart's extra config may say otherwise. Backstage listens
 * on every interface when no host is set; so does the supervisor then.
 */
function listenAddress(configs: string[]): { port: number; host?: string } {
  let port = 7007;
  let host: string | undefined;
  for (const file of configs) {
    try {
      const listen = YAML.parse(fs.readFileSync(file, 'utf8'))?.backend?.listen;
      if (Number.isInteger(Number(listen?.port)) && Number(listen.port) > 0) port = Number(listen.port);
      if (typeof listen?.host === 'string') host = listen.host;
    } catch {
      // config check names the broken file.
    }
  }
  return { port, host: host === '' ? undefined : host };
}

/**
 * --preset reaches every `plugins install` of this run (the first, and each
 * apply from the marketplace, which the backend runs) and the backend's
 * view of the base through DEVPORTAL_PRESETS, which the supervisor passes
 * to both: the presets stay selected for the life of the process.
 */
function selectPresets(names: string[]) {
  if (names.length === 0) return;
  const current = (process.env.DEVPORTAL_PRESETS ?? '').split(',').map(name => name.trim()).filter(Boolean);
  process.env.DEVPORTAL_PRESETS = [...new Set([...current, ...names])].join(',');
}
