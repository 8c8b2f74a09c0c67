import type { LoggerService } from '@backstage/backend-plugin-api';
import {
  isSupervisorToBackend,
  RESTART_EXIT_CODE,
  SUPERVISOR_IPC_ENV,
  type BackendToSupervisor,
  type SupervisorToBackend,
} from '@devportal/plugin-dynamic-plugins-common';

/**
 * This backend's line to the supervisor (`devportal-cli run`), which owns
 * the public port. With the IPC channel, a new generation is asked for and
 * started beside this one; without it (a backend started some other way, or
 * by an older supervisor) the old way stays: a graceful stop with
 * RESTART_EXIT_CODE.
 */
export class SupervisorLink {
  private readonly listeners = new Set<(message: SupervisorToBackend) => void>();

  constructor(private readonly logger: LoggerService) {
    if (!this.live) return;
    process.on('message', message => {
      if (isSupervisorToBackend(message)) for (const listener of this.listeners) listener(message);
    });
    // The supervisor is gone (killed with -9): nobody forwards to this
    // process any more, and nobody would stop it. Stop gracefully.
    process.once('disconnect', () => {
      this.logger.warn('The supervisor is gone; stopping this backend');
      process.kill(process.pid, 'SIGTERM');
    });
  }

  /** Whether a supervisor that speaks the generation messages runs this backend. */
  get live(): boolean {
    return process.env[SUPERVISOR_IPC_ENV] === '1' && typeof process.send === 'function';
  }

  onMessage(listener: (message: SupervisorToBackend) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(message: BackendToSupervisor): void {
    if (this.live && process.connected) process.send!(message);
  }

  /** Asks for a backend on the installed root: beside this one with a live supervisor, else by a restart. */
  requestGeneration(generation: number): void {
    if (this.live) {
      this.logger.info(`Asking the supervisor for a new backend generation for generation ${generation}`);
      this.send({ type: 'devportal:new-generation', generation });
      return;
    }
    process.once('exit', () => {
      process.exitCode = RESTART_EXIT_CODE;
    });
    this.logger.info('Restarting the backend to serve the new plugins');
    // Let the apply's last signal and response leave first.
    setTimeout(() => process.kill(process.pid, 'SIGTERM'), 500).unref();
  }
}
