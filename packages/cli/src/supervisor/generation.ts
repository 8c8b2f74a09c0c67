import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import {
  HOLD_START_ENV,
  isBackendToSupervisor,
  SUPERVISOR_IPC_ENV,
  type BackendToSupervisor,
  type SupervisorToBackend,
} from '@devportal/plugin-dynamic-plugins-common';
import { exitStatus, waitUntilReady } from './children';
import type { Upstream } from './frontDoor';
import { RemotesMirror } from './remotesMirror';

/**
 * One backend process behind the front door: it listens on a loopback port
 * of its own (set through Backstage's APP_CONFIG_ environment overrides, which
 * win over every config file) and talks to the supervisor over an IPC channel.
 */
export class BackendGeneration {
  readonly upstream: Upstream;
  readonly child: ChildProcess;
  /** Resolves with the exit status; never rejects. */
  readonly exited: Promise<number>;
  private running = true;
  private generationRequest: number | undefined;
  private readonly listeners = new Set<(message: BackendToSupervisor) => void>();

  private held: boolean;
  /** The remotes list and files this backend serves, answered by the front door (RemotesMirror). */
  private readonly remotes = new RemotesMirror();

  private constructor(argv: string[], env: NodeJS.ProcessEnv, readonly number: number, port: number, hold: boolean) {
    this.upstream = { name: `backend ${number}`, port, local: this.remotes };
    this.held = hold;
    this.child = spawn(argv[0], argv.slice(1), {
      env: {
        ...env,
        NODE_ENV: 'production',
        APP_CONFIG_backend_listen_port: String(port),
        APP_CONFIG_backend_listen_host: '127.0.0.1',
        [SUPERVISOR_IPC_ENV]: '1',
        ...(hold ? { [HOLD_START_ENV]: '1' } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.exited = new Promise<number>(resolve => {
      this.child.once('error', () => resolve(127));
      this.child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
    }).finally(() => {
      this.running = false;
    });
    this.child.on('message', message => {
      if (!isBackendToSupervisor(message)) return;
      if (message.type === 'devportal:new-generation') this.generationRequest = message.generation;
      if (message.type === 'devportal:frontend-remotes') this.remotes.update(message);
      for (const listener of this.listeners) listener(message);
    });
  }

  /**
   * `hold`: the backend loads its modules and then waits for `release`
   * before it reads its config and starts its plugins (HOLD_START_ENV).
   */
  static async start(argv: string[], env: NodeJS.ProcessEnv, number: number, options: { hold?: boolean } = {}): Promise<BackendGeneration> {
    return new BackendGeneration(argv, env, number, await freeLoopbackPort(), options.hold === true);
  }

  /** Whether it was started held and not yet released. */
  get waiting(): boolean {
    return this.held && this.running;
  }

  /** Lets a held backend start, with `configs` after the config files on its command line. */
  release(configs: string[]): void {
    if (!this.held) return;
    this.held = false;
    this.send({ type: 'devportal:start', configs });
  }

  get alive(): boolean {
    return this.running;
  }

  /** Resolves true once it answers readiness, false when it exits first. */
  ready(intervalMs?: number): Promise<boolean> {
    return waitUntilReady(`http://127.0.0.1:${this.upstream.port}/.backstage/health/v1/readiness`, () => this.running, intervalMs);
  }

  /** The last new-generation request not yet handled (it may come while the supervisor is busy). */
  takeGenerationRequest(): number | undefined {
    const asked = this.generationRequest;
    this.generationRequest = undefined;
    return asked;
  }

  onMessage(listener: (message: BackendToSupervisor) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(message: SupervisorToBackend): void {
    if (this.running && this.child.connected) this.child.send(message, () => {});
  }

  /** SIGTERM (Backstage drains within its shutdown timeout), SIGKILL if it is still there after `graceMs`. */
  async stop(graceMs: number): Promise<number> {
    if (this.running) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      timer.unref();
      try {
        return await this.exited;
      } finally {
        clearTimeout(timer);
      }
    }
    return this.exited;
  }
}

/** A port nobody listens on now; the backend binds it a moment later (loopback only, so the race is ours alone). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
