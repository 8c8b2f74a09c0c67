import fs from 'node:fs';
import path from 'node:path';
import { RESTART_EXIT_CODE } from '@devportal/plugin-dynamic-plugins-common';
import { capture, start, waitUntilReady, type Started } from './children';

/** The file the installer writes into the root: each plugin's `pluginConfig`. */
export const DYNAMIC_PLUGINS_APP_CONFIG = 'app-config.dynamic-plugins.yaml';

/** Exit statuses of a backend that stopped because it was asked to (0, SIGINT, SIGTERM). */
const CLEAN_EXITS = [0, 130, 143];

export interface SuperviseOptions {
  /** How to run devportal-cli, e.g. `[process.execPath, 'packages/cli/bin/devportal-cli']`. */
  cli: string[];
  /** dynamic-plugins.yaml; undefined skips the installer step (`--no-plugins`). */
  pluginsConfig?: string;
  /** The dynamic plugins root. */
  root: string;
  /**
   * The backend's app-config files, in order. The root's
   * app-config.dynamic-plugins.yaml is appended as the last one when it
   * exists, unless it is already in this list (then it keeps its place).
   */
  configs: string[];
  /** How to run the backend, e.g. `[process.execPath, '.devportal/backend/packages/backend']`. */
  backend: string[];
  /** The port the backend listens on: readiness is polled there. */
  port: number;
  /** The interface it listens on (readiness is polled on loopback for 0.0.0.0 and ::). */
  host?: string;
  /** Extra arguments for `config check` (e.g. `--port`, `--host`). */
  configCheckArgs?: string[];
  /**
   * An installer still running after this long is stopped and counts as
   * failed: a registry that never answers, or an installer that keeps a
   * handle open after its work, must not keep the portal down for good.
   */
  installTimeoutMs: number;
  /** More than this many restarts within `restartWindowMs` stops the supervisor. */
  maxRestarts: number;
  restartWindowMs: number;
  env?: NodeJS.ProcessEnv;
  /** One line for the user, without the `devportal: ` prefix. */
  log: (line: string) => void;
  /** Where SIGINT and SIGTERM come from; tests pass an EventEmitter. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
  readinessIntervalMs?: number;
}

/**
 * `devportal-cli run`: owns the backend process so that an apply from the
 * marketplace can restart it. Each round installs the plugins (base file plus
 * the marketplace layer), checks the config, starts the backend and waits for
 * it; a backend that exits with RESTART_EXIT_CODE starts another round.
 * Resolves with the status the supervisor should exit with.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const env = options.env ?? process.env;
  const signals = options.signals ?? process;
  const { log } = options;
  let stopSignal: NodeJS.Signals | undefined;
  let current: Started | undefined;
  // Forward, not handle: the backend decides how to shut down (it drains
  // connections within 5 s). A second Ctrl-C is forwarded again.
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal = signal;
    current?.child.kill(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);

  const run = async (argv: string[], timeoutMs?: number) => {
    const started = start(argv, env);
    current = started;
    let timedOut = false;
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            started.child.kill('SIGTERM');
            setTimeout(() => started.child.kill('SIGKILL'), 5_000).unref();
          }, timeoutMs);
    try {
      const status = await started.exited;
      if (timedOut) log(`error: the plugin installer did not finish within ${Math.round(timeoutMs! / 1000)} s; stopped it`);
      return timedOut ? 1 : status;
    } finally {
      clearTimeout(timer);
      current = undefined;
    }
  };
  const stoppedStatus = () => exitStatusOf(stopSignal!);

  try {
    const installerArgs = options.pluginsConfig ? await installerArguments(options, env) : undefined;
    const restarts: number[] = [];
    for (let round = 0; ; round++) {
      // A signal that came while no child was running (the --help probe).
      if (stopSignal) return stoppedStatus();
      if (installerArgs) {
        log(`installing dynamic plugins from ${path.basename(options.pluginsConfig!)}`);
        const status = await run([...options.cli, ...installerArgs], options.installTimeoutMs);
        if (stopSignal) return stoppedStatus();
        if (status !== 0) {
          if (round === 0) {
            log('error: dynamic plugin installation failed; the previous plugins are kept. Fix dynamic-plugins.yaml or start with --no-plugins');
            return 1;
          }
          // The installer switches the root atomically: after a failure it
          // still holds the set the backend ran with a moment ago.
          log('warning: dynamic plugin installation failed; starting again with the previous plugins');
        }
      }

      const configs = backendConfigs(options);
      const configArgs = configs.flatMap(file => ['--config', file]);
      const checked = await run([...options.cli, 'config', 'check', ...(options.configCheckArgs ?? []), ...configArgs]);
      if (stopSignal) return stoppedStatus();
      if (checked !== 0) return 1;

      log(round === 0 ? `starting on http://localhost:${options.port}` : `starting again on http://localhost:${options.port}`);
      const backend = start([...options.backend, ...configArgs], { ...env, NODE_ENV: 'production' });
      current = backend;
      let running = true;
      let served = false;
      const readiness = waitUntilReady(readinessUrl(options), () => running, options.readinessIntervalMs).then(ready => {
        served = Boolean(ready);
        if (ready) log(`DevPortal is ready: http://localhost:${options.port}`);
      });
      const status = await backend.exited;
      running = false;
      current = undefined;
      await readiness;

      if (status === RESTART_EXIT_CODE && !stopSignal) {
        const now = Date.now();
        // A backend that served before asking is an admin applying changes, however often;
        // only restarts that never reach readiness count towards a loop.
        if (served) restarts.length = 0;
        while (restarts.length > 0 && restarts[0] <= now - options.restartWindowMs) restarts.shift();
        restarts.push(now);
        if (restarts.length > options.maxRestarts) {
          log(
            `error: the backend asked for a restart ${restarts.length} times within ${Math.round(options.restartWindowMs / 1000)} s without becoming ready; ` +
              'stopping instead of restarting in a loop (see the log above for what it was applying)',
          );
          return 1;
        }
        log('restarting to apply the plugin changes');
        continue;
      }
      if (CLEAN_EXITS.includes(status) || stopSignal) return 0;
      log(`error: the backend stopped with exit code ${status} (see the log above)`);
      return status;
    }
  } finally {
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  }
}

/**
 * `plugins install` with the app-config files, so that the installer can
 * read the marketplace layer from the database. Older CLIs have no
 * `--app-config`; their `--help` tells.
 */
async function installerArguments(options: SuperviseOptions, env: NodeJS.ProcessEnv): Promise<string[]> {
  const args = ['plugins', 'install', '--config', options.pluginsConfig!, '--root', options.root];
  const help = await capture([...options.cli, 'plugins', 'install', '--help'], env);
  if (!/--app-config\b/.test(help.stdout)) return args;
  // The root's own app-config is the installer's output, not its input.
  const dynamicConfig = path.join(options.root, DYNAMIC_PLUGINS_APP_CONFIG);
  const appConfigs = options.configs.filter(file => path.resolve(file) !== dynamicConfig);
  return [...args, ...appConfigs.flatMap(file => ['--app-config', file])];
}

/** The config files of this round: the root's plugin config may have appeared since the last one. */
function backendConfigs(options: SuperviseOptions): string[] {
  const dynamicConfig = path.join(options.root, DYNAMIC_PLUGINS_APP_CONFIG);
  if (options.configs.some(file => path.resolve(file) === dynamicConfig)) return options.configs;
  return fs.existsSync(dynamicConfig) ? [...options.configs, dynamicConfig] : options.configs;
}

function readinessUrl(options: SuperviseOptions): string {
  const host = options.host ?? '127.0.0.1';
  const probe = ['0.0.0.0', '::', ''].includes(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${probe}:${options.port}/.backstage/health/v1/readiness`;
}

function exitStatusOf(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
