/**
 * Live apply: the messages between the supervisor (`devportal-cli run`) and
 * the backend generations it runs, and the replica view of the admin API.
 * docs/plugins/live-apply.md describes the flow.
 */

import { isFrontendRemote, type FrontendRemote } from './remotes';

/**
 * Set to `1` in a backend's environment by a supervisor that runs it with an
 * IPC channel speaking these messages. Without it a backend asks for a new
 * generation the old way: it stops with RESTART_EXIT_CODE.
 */
export const SUPERVISOR_IPC_ENV = 'DEVPORTAL_SUPERVISOR_IPC';

/**
 * The name a portal process reports itself under in the replica view. The
 * supervisor sets it (host name and public port), so it stays the same
 * across the generations of one replica and across a restart.
 */
export const REPLICA_ID_ENV = 'DEVPORTAL_REPLICA_ID';

/**
 * Set to `1` in the environment of a backend the supervisor starts ahead of
 * need (a **held** backend): it loads its modules, then waits for
 * `devportal:start` before it reads its config and starts its plugins.
 * Module loading is a good part of a backend's start, and it then overlaps
 * the install instead of following it.
 */
export const HOLD_START_ENV = 'DEVPORTAL_HOLD_START';

/**
 * A file the supervisor names (one per supervisor, in a private temporary
 * folder) where the first backend it starts writes the config schema of
 * the backend's own packages, serialized, and later generations read it
 * back instead of collecting it again. The root logger reads that schema
 * to find the secrets it redacts; collecting it walks every package's
 * dependencies and is most of a second or two of CPU at every start, on a
 * machine that is serving traffic at the same time. The packages do not
 * change while the supervisor runs; dynamic plugins are not in it.
 */
export const CONFIG_SCHEMA_CACHE_ENV = 'DEVPORTAL_CONFIG_SCHEMA_CACHE';

/**
 * Set to `1` in the environment of an installer (`devportal-cli plugins
 * install`) the marketplace starts ahead of an apply, when a change is
 * staged: it loads the install's modules (npm and OCI clients, tar, YAML;
 * most of its CPU) while nothing waits, then reads its arguments as one line
 * of JSON, a string array, from stdin. End of input without a line (the
 * backend went away) makes it exit quietly.
 */
export const WARM_INSTALLER_ENV = 'DEVPORTAL_WARM_INSTALLER';

/** Backend → supervisor. */
export type BackendToSupervisor =
  /**
   * An install for `generation` began here (an apply, or a replica following
   * one): start a held backend now, so that only its plugins' start is left
   * once the install is done. Sending it is optional.
   */
  | { type: 'devportal:prepare-generation'; generation: number }
  /** The install for `generation` failed or changed no backend plugin: the held backend is not needed. */
  | { type: 'devportal:generation-abandoned'; generation: number }
  /** The root holds generation `generation`'s plugins: start a backend on it, switch when it is ready. */
  | { type: 'devportal:new-generation'; generation: number }
  /**
   * Sent once by every backend started with the IPC channel, when it has
   * started: whether it may serve. Unhealthy when a plugin its generation
   * added or changed failed to start; the supervisor then keeps the old one.
   */
  | { type: 'devportal:generation-verdict'; generation: number; healthy: boolean; reason?: string }
  /**
   * What this backend serves to the browser at REMOTES_MOUNT, sent at start
   * and again whenever it changes (a frontend-only apply changes it without
   * a new backend). The supervisor answers the public remotes list and the
   * remotes' files from it while this backend is the current one, so that a
   * page load does not wait behind the API traffic the backend is serving.
   */
  | FrontendRemotesSnapshot;

/** The remotes a backend serves: the list, the generation it serves, and each remote's folder. */
export interface FrontendRemotesSnapshot {
  type: 'devportal:frontend-remotes';
  /** The marketplace generation the backend serves (GENERATION_HEADER); null before the first apply. */
  generation: number | null;
  remotes: FrontendRemote[];
  /** Package name → the absolute folder its remote's files are served from. */
  assets: Record<string, string>;
}

/** Supervisor → backend. */
export type SupervisorToBackend =
  /** To the generation still serving: the one it asked for did not take over. */
  | { type: 'devportal:generation-failed'; generation: number; reason: string }
  /** To a new backend: traffic is switched to it. */
  | { type: 'devportal:serving' }
  /**
   * To a held backend (HOLD_START_ENV): start now, with these config files
   * after the ones on its command line (the root's plugin config may have
   * appeared during the install).
   */
  | { type: 'devportal:start'; configs: string[] };

export function isBackendToSupervisor(message: unknown): message is BackendToSupervisor {
  const type = (message as { type?: unknown } | null)?.type;
  if (type === 'devportal:frontend-remotes') return isFrontendRemotesSnapshot(message);
  return (
    typeof (message as { generation?: unknown })?.generation === 'number' &&
    (type === 'devportal:new-generation' ||
      type === 'devportal:generation-verdict' ||
      type === 'devportal:prepare-generation' ||
      type === 'devportal:generation-abandoned')
  );
}

function isFrontendRemotesSnapshot(message: unknown): message is FrontendRemotesSnapshot {
  const m = message as Partial<FrontendRemotesSnapshot>;
  const generationOk = m.generation === null || typeof m.generation === 'number';
  const assetsOk =
    typeof m.assets === 'object' && m.assets !== null && Object.values(m.assets).every(folder => typeof folder === 'string');
  return generationOk && assetsOk && Array.isArray(m.remotes) && m.remotes.every(isFrontendRemote);
}

export function isSupervisorToBackend(message: unknown): message is SupervisorToBackend {
  const type = (message as { type?: unknown } | null)?.type;
  if (type === 'devportal:start') {
    const configs = (message as { configs?: unknown }).configs;
    return Array.isArray(configs) && configs.every(file => typeof file === 'string');
  }
  return type === 'devportal:serving' || (type === 'devportal:generation-failed' && typeof (message as { generation?: unknown }).generation === 'number');
}

/** What a replica reports: `applying` while it installs or starts a generation; `gone` when it stopped reporting. */
export const REPLICA_STATES = ['serving', 'applying', 'failed', 'gone'] as const;
export type ReplicaState = (typeof REPLICA_STATES)[number];

/** One row of `GET /api/dynamic-plugins/replicas`. */
export interface ReplicaStatus {
  id: string;
  /** The generation it serves; null before the first apply (the base file alone). */
  generation: number | null;
  /** The generation it is moving to, while `applying`. */
  target?: number;
  state: ReplicaState;
  /** Why its last apply failed; it keeps serving `generation`. */
  lastError?: string;
  /** ISO time of its last report. */
  updatedAt: string;
}

/** The response of `GET /api/dynamic-plugins/replicas`. */
export interface ReplicaList {
  /** The newest generation that serves anywhere: what every replica should converge to. */
  desired: number | null;
  replicas: ReplicaStatus[];
}

/** Response header of the public remotes list: the generation the answering backend serves. */
export const GENERATION_HEADER = 'devportal-generation';

/**
 * The config without what the supervisor sets differently for each backend
 * generation: `backend.listen` (every backend listens on a loopback port of
 * its own, through `APP_CONFIG_backend_listen_*`). What one generation works
 * out from its config and keeps for the next (the secret paths, the
 * frontend config) is keyed by the config without it; with it, no two
 * generations would ever have the same key.
 */
export function withoutGenerationListen<T extends object>(data: T): T {
  const backend = (data as { backend?: unknown }).backend;
  if (!backend || typeof backend !== 'object' || Array.isArray(backend) || !('listen' in backend)) return data;
  const { listen: _listen, ...rest } = backend as Record<string, unknown>;
  return { ...data, backend: rest };
}
