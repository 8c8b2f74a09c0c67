import type { LoggerService } from '@backstage/backend-plugin-api';
import type { ReplicaList } from '@devportal/plugin-dynamic-plugins-common';
import type { DesiredStateStore, ReplicaStore } from '@devportal/plugin-dynamic-plugins-node';
import type { Marketplace } from './marketplace';

/**
 * Replicas converge on the desired state in the database, with no shared
 * volume and no file lock: every `pollMs` each replica reports what it
 * serves and, when a newer generation serves elsewhere, installs it into its
 * own root and switches the same way an apply does (see
 * Marketplace.follow). Polling rather than PostgreSQL LISTEN/NOTIFY: it
 * works on SQLite and through connection poolers, and a few seconds are
 * small next to an install.
 */
export class ReplicaSync {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      id: string;
      store: DesiredStateStore;
      replicas: ReplicaStore;
      marketplace: Marketplace;
      logger: LoggerService;
      pollMs: number;
    },
  ) {}

  start(): void {
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.deps.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  /**
   * An apply this replica started, in a process that is gone (killed in the
   * middle), never finishes: it is failed at once rather than when its lock
   * expires. Not when the root already holds it: then this process is the
   * new generation of that apply.
   */
  async forgetDeadApply(): Promise<void> {
    const { store, marketplace, logger, id } = this.deps;
    const lock = await store.lockHolder();
    if (!lock || lock.holder !== id || marketplace.local().served === lock.generation) return;
    const generation = await store.getGeneration(lock.generation);
    if (generation?.state !== 'applying') return;
    await store.failGeneration(lock.generation, 'the replica applying it stopped before it finished');
    logger.warn(`Generation ${lock.generation} failed: this replica stopped while applying it`);
  }

  async list(): Promise<ReplicaList> {
    const desired = await this.deps.store.servingGeneration();
    return { desired: desired?.id ?? null, replicas: await this.deps.replicas.list(this.deps.pollMs * 3) };
  }

  private tick(): Promise<void> {
    this.ticking ??= this.converge()
      .catch(error => this.deps.logger.warn(`Replica sync: ${(error as Error).message}`))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async converge() {
    const { store, marketplace, replicas, id } = this.deps;
    const desired = await store.servingGeneration();
    const local = marketplace.local();
    // Only a newer one (a rollback is a newer generation too): a backend that
    // just started on generation N sees N-1 serving until its switch is done.
    if (desired && desired.id > (local.served ?? 0) && local.target === undefined && !marketplace.failedOn(desired.id)) {
      this.deps.logger.info(`Generation ${desired.id} serves elsewhere; this replica (${id}) follows`);
      void marketplace.follow(desired);
    }
    const now = marketplace.local();
    await replicas.report({
      id,
      generation: now.served,
      state: now.target !== undefined ? 'applying' : now.lastError ? 'failed' : 'serving',
      ...(now.target !== undefined ? { target: now.target } : {}),
      ...(now.lastError ? { lastError: now.lastError } : {}),
    });
    // Rows of replicas gone for a day (scaled down) leave the view.
    await replicas.forget(24 * 3600_000);
  }
}
