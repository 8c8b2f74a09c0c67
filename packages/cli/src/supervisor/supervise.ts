import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_SCHEMA_CACHE_ENV, REPLICA_ID_ENV, RESTART_EXIT_CODE } from '@devportal/plugin-dynamic-plugins-common';
import { listenProblem } from '../commands/configCheck';
import { capture, start, type Started } from './children';
import { FrontDoor } from './frontDoor';
import { BackendGeneration } from './generation';
import { warmUpSignals } from './signalsWarmUp';

/** The file the installer writes into the root: each plugin's `pluginConfig`. */
export const DYNAMIC_PLUGINS_APP_CONFIG = 'app-config.dynamic-plugins.yaml';

/**
 * How often a new generation's readiness is polled: a second of it is a
 * second more before the switch, and the probe is one loopback request.
 */
const GENERATION_READINESS_INTERVAL_MS = 200;

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
  /** The public port: the supervisor listens there and forwards to the serving backend. */
  port: number;
  /** The interface the public port is on (backends always listen on loopback ports of their own). */
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
  /** A new generation not ready and healthy within this long is stopped; the old one keeps serving (default 120 s). */
  generationTimeoutMs?: number;
  /** How long the old generation may take to answer what it was sent before it is stopped anyway (default 30 s). */
  drainTimeoutMs?: number;
  /** SIGTERM to SIGKILL for a backend being stopped (default 30 s). */
  stopGraceMs?: number;
  /** How long the previous backend stays, idle, after a switch, to take the port back if the new one dies (default 10 s). */
  probationMs?: number;
  /** Requests the front door lets a backend work on at once, the others waiting in its queue (RequestGate); 0: no limit. */
  maxBackendRequests?: number;
}

/**
 * `devportal-cli run`: owns the public port and the backend processes behind
 * it, so that an apply from the marketplace takes effect without a failed
 * request. The first round installs the plugins (base file plus the
 * marketplace layer), checks the config and starts a backend. A backend that
 * asks for a new generation over IPC gets one beside it (see `handover`); a
 * backend that exits with RESTART_EXIT_CODE (one without the IPC channel)
 * starts another round. Resolves with the status the supervisor should exit
 * with.
 */
export async function supervise(options: SuperviseOptions): Promise<number> {
  const env = options.env ?? process.env;
  const signals = options.signals ?? process;
  const { log } = options;
  // No host: every interface, as Backstage does when backend.listen.host is unset.
  const host = options.host;
  let stopSignal: NodeJS.Signals | undefined;
  let installer: Started | undefined;
  const backends = new Set<BackendGeneration>();
  // Forward, not handle: each backend decides how to shut down (it drains
  // its connections). A second Ctrl-C is forwarded again.
  const onSignal = (signal: NodeJS.Signals) => {
    stopSignal = signal;
    installer?.child.kill(signal);
    for (const backend of backends) backend.child.kill(signal);
  };
  const onInt = () => onSignal('SIGINT');
  const onTerm = () => onSignal('SIGTERM');
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);

  const run = async (argv: string[], timeoutMs?: number) => {
    const started = start(argv, env);
    installer = started;
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
      installer = undefined;
    }
  };
  const stoppedStatus = () => exitStatusOf(stopSignal!);

  // The public port is the supervisor's for its whole life: generations come
  // and go behind it, and it answers 503 only before the first one is ready.
  const maxRequests = options.maxBackendRequests ?? 0;
  // A request still running after 2 s is a long poll, a stream or a download: it holds no place.
  const door = new FrontDoor({ log, ...(maxRequests > 0 ? { gate: { limit: maxRequests, longMs: 2_000 } } : {}) });
  try {
    await door.listen(options.port, host);
  } catch (error) {
    log(`error: ${listenProblem(options.port, host, error as NodeJS.ErrnoException)}`);
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
    return 1;
  }
  // Private to this supervisor: what one backend generation collected, the next ones read (CONFIG_SCHEMA_CACHE_ENV).
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-supervisor-'));
  const backendEnv = {
    ...env,
    [REPLICA_ID_ENV]: env[REPLICA_ID_ENV] ?? `${os.hostname()}:${options.port}`,
    [CONFIG_SCHEMA_CACHE_ENV]: path.join(cacheDir, 'config-schema.json'),
  };
  let started = 0;
  const startBackend = async (hold = false) => {
    const configArgs = backendConfigs(options).flatMap(file => ['--config', file]);
    const backend = await BackendGeneration.start([...options.backend, ...configArgs], backendEnv, ++started, { hold });
    backends.add(backend);
    void backend.exited.then(() => backends.delete(backend));
    backend.onMessage(message => {
      if (message.type === 'devportal:prepare-generation') prepare();
      if (message.type === 'devportal:generation-abandoned') void dropHeld();
    });
    return backend;
  };

  /**
   * A backend started held while an install runs (HOLD_START_ENV): by the
   * time the install asks for a new generation, its modules are loaded. At
   * most one; one never used within the install timeout is stopped. Set
   * before the start's first await, so that two prepares make one.
   */
  let held: { backend: Promise<BackendGeneration>; timer: NodeJS.Timeout } | undefined;
  const prepare = () => {
    if (stopSignal || held) return;
    const timer = setTimeout(() => void dropHeld(), options.installTimeoutMs);
    timer.unref();
    held = { backend: startBackend(true), timer };
  };
  const takeHeld = () => {
    const taken = held;
    held = undefined;
    if (taken) clearTimeout(taken.timer);
    return taken?.backend;
  };
  const dropHeld = async () => {
    await (await takeHeld())?.stop(5_000);
  };
  /** The held backend, released with this round's config files; or a new one. */
  const nextBackend = async () => {
    const backend = await takeHeld();
    if (backend?.waiting) {
      backend.release(backendConfigs(options));
      return backend;
    }
    await backend?.stop(5_000);
    return startBackend();
  };

  /**
   * A backend asked for a new generation (an apply installed new plugins):
   * start one beside it, switch the port to it once it is ready and healthy,
   * let the old one answer what it has, then stop it. A new one that exits,
   * reports a failed plugin or is not ready in time is stopped instead, and
   * the old one, still serving, is told why.
   */
  const handover = async (old: BackendGeneration, generation: number): Promise<BackendGeneration | undefined> => {
    log(`starting a new backend for generation ${generation} beside the serving one`);
    const candidate = await nextBackend();
    const outcome = await readyAndHealthy(candidate, options.generationTimeoutMs ?? 120_000, options.readinessIntervalMs ?? GENERATION_READINESS_INTERVAL_MS);
    if (outcome.ok && !stopSignal) {
      await warmUpSignals(candidate.upstream.port);
      door.switchTo(candidate.upstream);
      log(`generation ${generation} serves; the previous backend finishes its requests and stops`);
      const drained = await door.drain(old.upstream, options.drainTimeoutMs ?? 30_000);
      if (!drained.drained) log(`warning: ${drained.left} request(s) to the previous backend still open after the drain time; stopping it anyway`);
      // Probation: the old backend idles, without traffic, until the new one
      // has served a while; one that dies meanwhile (a plugin route that
      // crashes the process) hands the port back instead of leaving none.
      const probationMs = options.probationMs ?? 10_000;
      const crashed = await Promise.race([candidate.exited, delay(probationMs).then(() => undefined)]);
      if (crashed !== undefined && !stopSignal && old.alive) {
        door.switchTo(old.upstream);
        door.forget(candidate.upstream);
        const reason = `the new backend stopped with exit code ${crashed} within ${Math.round(probationMs / 1000)} s of taking over (see the log above)`;
        log(`error: generation ${generation} did not take over: ${reason}; the previous backend serves again`);
        old.send({ type: 'devportal:generation-failed', generation, reason });
        return undefined;
      }
      candidate.send({ type: 'devportal:serving' });
      door.closeTunnels(old.upstream);
      await old.stop(options.stopGraceMs ?? 30_000);
      door.forget(old.upstream);
      return candidate;
    }
    const reason = stopSignal || outcome.ok ? 'the portal is stopping' : outcome.reason;
    log(`error: generation ${generation} did not take over: ${reason}; the previous backend keeps serving`);
    await candidate.stop(5_000);
    old.send({ type: 'devportal:generation-failed', generation, reason });
    return undefined;
  };

  /** Serves with `first` and its successors until the serving backend exits; resolves with that exit. */
  const serve = async (first: BackendGeneration, firstServed: boolean) => {
    let current = first;
    let served = firstServed;
    for (;;) {
      const event = await new Promise<{ exit: number } | { generation: number }>(resolve => {
        // Asked while the previous switch was still on probation.
        const asked = current.takeGenerationRequest();
        if (asked !== undefined) return resolve({ generation: asked });
        const off = current.onMessage(message => {
          if (message.type === 'devportal:new-generation') {
            off();
            current.takeGenerationRequest();
            resolve({ generation: message.generation });
          }
        });
        void current.exited.then(status => {
          off();
          resolve({ exit: status });
        });
      });
      if ('exit' in event) {
        door.forget(current.upstream);
        return { status: event.exit, served };
      }
      if (stopSignal) continue;
      const next = await handover(current, event.generation);
      if (next) {
        current = next;
        served = true;
      }
    }
  };

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

      const configArgs = backendConfigs(options).flatMap(file => ['--config', file]);
      const checked = await run([...options.cli, 'config', 'check', ...(options.configCheckArgs ?? []), ...configArgs]);
      if (stopSignal) return stoppedStatus();
      if (checked !== 0) return 1;

      log(round === 0 ? `starting on http://localhost:${options.port}` : `starting again on http://localhost:${options.port}`);
      const backend = await startBackend();
      const ready = await backend.ready(options.readinessIntervalMs);
      if (ready) {
        await warmUpSignals(backend.upstream.port);
        door.switchTo(backend.upstream);
        backend.send({ type: 'devportal:serving' });
        log(`DevPortal is ready: http://localhost:${options.port}`);
      }
      const { status, served } = await serve(backend, ready);
      await dropHeld();

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
    for (const backend of backends) await backend.stop(options.stopGraceMs ?? 30_000);
    await door.close();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * Waits for a new backend to answer readiness and to report its verdict
 * (every backend started with the IPC channel sends one when it has
 * started), within `timeoutMs`: a plugin that hangs at init must not hold
 * the apply forever.
 */
async function readyAndHealthy(
  backend: BackendGeneration,
  timeoutMs: number,
  intervalMs?: number,
): Promise<{ ok: true } | { ok: false; reason: string }> {
  let off = () => {};
  let timer: NodeJS.Timeout | undefined;
  const verdict = new Promise<{ ok: true } | { ok: false; reason: string }>(resolve => {
    off = backend.onMessage(message => {
      if (message.type !== 'devportal:generation-verdict') return;
      resolve(message.healthy ? { ok: true } : { ok: false, reason: message.reason ?? 'a plugin of the new generation failed to start' });
    });
  });
  const timeout = new Promise<{ ok: false; reason: string }>(resolve => {
    timer = setTimeout(() => resolve({ ok: false, reason: `the new backend was not ready within ${Math.round(timeoutMs / 1000)} s` }), timeoutMs);
  });
  const exited = backend.exited.then(status => ({ ok: false as const, reason: `the new backend stopped with exit code ${status} before it was ready (see the log above)` }));
  try {
    const first = await Promise.race([verdict, timeout, exited]);
    if (!first.ok) return first;
    const ready = await Promise.race([backend.ready(intervalMs).then(ok => (ok ? { ok: true as const } : undefined)), timeout, exited]);
    return ready ?? (await exited);
  } finally {
    off();
    clearTimeout(timer);
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

function delay(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref());
}

function exitStatusOf(signal: NodeJS.Signals): number {
  return signal === 'SIGINT' ? 130 : 143;
}
