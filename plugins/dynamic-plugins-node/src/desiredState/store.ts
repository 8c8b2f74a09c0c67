import type {
  ApplyStage,
  ChangeRequest,
  Generation,
  GenerationDiffLine,
  GenerationState,
  GenerationSummary,
  LayerEntry,
  PendingChange,
} from '@devportal/plugin-dynamic-plugins-common';
import type { Knex } from 'knex';
import { APPLY_LOCK_TABLE, CHANGES_TABLE, GENERATIONS_TABLE, hasDesiredState, migrateDesiredState } from './migrations';

/** A layer entry with the plugin key the installer gives its package. */
export type KeyedLayerEntry = LayerEntry & { key: string };

/** A generation as stored: its layer entries carry their keys. */
export type StoredGeneration = Generation & { layer: KeyedLayerEntry[] };

/** Thrown when an apply is asked for while another one holds the lock. */
export class ApplyRunningError extends Error {
  constructor(readonly generation: number) {
    super(`an apply is running (generation ${generation}); try again when it has finished`);
    this.name = 'ConflictError';
  }
}

interface GenerationRow {
  id: number;
  state: GenerationState;
  stage: ApplyStage | null;
  author: string;
  created_at: string;
  finished_at: string | null;
  reason: string | null;
  rollback_of: number | null;
  layer: string;
  diff: string;
}

interface ChangeRow {
  id: number;
  key: string;
  action: PendingChange['action'];
  package: string;
  integrity: string | null;
  plugin_config: string | null;
  role: string | null;
  author: string;
  created_at: string;
}

/** Stages after which an applying generation's plugins are in the root, so a start installs it. */
const INSTALLED_STAGES: ApplyStage[] = ['start', 'healthy'];

/**
 * The marketplace's desired state in the database: staged changes, numbered
 * generations (each the whole marketplace layer as applied) and the apply
 * lock. The same tables serve one SQLite portal and several PostgreSQL
 * replicas; nothing is kept in memory.
 */
export class DesiredStateStore {
  private constructor(private readonly db: Knex) {}

  /** For the backend: creates or updates the tables first. */
  static async create(db: Knex): Promise<DesiredStateStore> {
    await migrateDesiredState(db);
    return new DesiredStateStore(db);
  }

  /** For readers that must not create tables (the CLI at start): undefined when there are none yet. */
  static async open(db: Knex): Promise<DesiredStateStore | undefined> {
    return (await hasDesiredState(db)) ? new DesiredStateStore(db) : undefined;
  }

  // --- staged changes -------------------------------------------------------

  async addChange(change: ChangeRequest & { key: string; role?: string }, author: string): Promise<PendingChange> {
    const row = {
      key: change.key,
      action: change.action,
      package: change.package,
      integrity: change.integrity ?? null,
      plugin_config: change.pluginConfig === undefined ? null : JSON.stringify(change.pluginConfig),
      role: change.role ?? null,
      author,
      created_at: new Date().toISOString(),
    };
    const [inserted] = await this.db(CHANGES_TABLE).insert(row).returning('id');
    const id = typeof inserted === 'object' ? inserted.id : inserted;
    return toChange({ ...row, id });
  }

  async listChanges(): Promise<PendingChange[]> {
    const rows: ChangeRow[] = await this.db(CHANGES_TABLE).orderBy('id');
    return rows.map(toChange);
  }

  /** Drops one staged change; false when there was none with that id. */
  async removeChange(id: number): Promise<boolean> {
    return (await this.db(CHANGES_TABLE).where({ id }).delete()) > 0;
  }

  /** Drops the changes an apply took in (by id: a change staged meanwhile stays). */
  async removeChanges(ids: number[]): Promise<void> {
    if (ids.length > 0) await this.db(CHANGES_TABLE).whereIn('id', ids).delete();
  }

  // --- generations ----------------------------------------------------------

  /**
   * Takes the apply lock and records a new generation in `applying` state,
   * in one step; throws ApplyRunningError while another apply holds the
   * lock. A lock older than `lockMs` belongs to an apply that died and is
   * taken over.
   */
  async beginGeneration(input: {
    author: string;
    layer: KeyedLayerEntry[];
    diff: GenerationDiffLine[];
    rollbackOf?: number;
    holder: string;
    lockMs: number;
  }): Promise<StoredGeneration> {
    return this.db.transaction(async tx => {
      const now = Date.now();
      const lock = await tx(APPLY_LOCK_TABLE).where({ id: 1 }).first();
      if (lock && Number(lock.expires_at) > now) throw new ApplyRunningError(lock.generation);
      const row = {
        state: 'applying' as const,
        stage: 'resolve' as const,
        author: input.author,
        created_at: new Date(now).toISOString(),
        finished_at: null,
        reason: null,
        rollback_of: input.rollbackOf ?? null,
        layer: JSON.stringify(input.layer),
        diff: JSON.stringify(input.diff),
      };
      const [inserted] = await tx(GENERATIONS_TABLE).insert(row).returning('id');
      const id: number = typeof inserted === 'object' ? inserted.id : inserted;
      const lockRow = { id: 1, generation: id, holder: input.holder, expires_at: now + input.lockMs };
      if (lock) {
        // Taken over only if nobody renewed it since it was read.
        const taken = await tx(APPLY_LOCK_TABLE).where({ id: 1, expires_at: lock.expires_at }).update(lockRow);
        if (taken !== 1) throw new ApplyRunningError(lock.generation);
      } else {
        // The primary key makes a second concurrent insert fail, on SQLite and PostgreSQL alike.
        await tx(APPLY_LOCK_TABLE).insert(lockRow);
      }
      return toGeneration({ ...row, id });
    }).catch(async error => {
      // A concurrent apply won the insert (PostgreSQL aborts this transaction on it): say so.
      if (error instanceof ApplyRunningError) throw error;
      const other = await this.db(APPLY_LOCK_TABLE).where({ id: 1 }).first();
      if (other && Number(other.expires_at) > Date.now()) throw new ApplyRunningError(other.generation);
      throw error;
    });
  }

  /** The generation's diff, worked out while its install runs (it is recorded with none). */
  async setDiff(id: number, diff: GenerationDiffLine[]): Promise<void> {
    await this.db(GENERATIONS_TABLE).where({ id }).update({ diff: JSON.stringify(diff) });
  }

  async setStage(id: number, stage: ApplyStage): Promise<void> {
    await this.db(GENERATIONS_TABLE).where({ id, state: 'applying' }).update({ stage });
  }

  /** The apply failed: the generation is recorded with why, and the lock is released. */
  async failGeneration(id: number, reason: string): Promise<void> {
    await this.db.transaction(async tx => {
      await tx(GENERATIONS_TABLE)
        .where({ id, state: 'applying' })
        .update({ state: 'failed', reason, finished_at: new Date().toISOString() });
      await tx(APPLY_LOCK_TABLE).where({ id: 1, generation: id }).delete();
    });
  }

  /**
   * The generation serves: the one serving before is superseded, and the lock
   * is released. Idempotent, so every replica that starts on it may call it.
   */
  async serveGeneration(id: number): Promise<void> {
    await this.db.transaction(async tx => {
      const updated = await tx(GENERATIONS_TABLE)
        .where({ id, state: 'applying' })
        .update({ state: 'serving', stage: 'healthy', finished_at: new Date().toISOString() });
      if (updated > 0) {
        await tx(GENERATIONS_TABLE).where({ state: 'serving' }).whereNot({ id }).update({ state: 'superseded' });
      }
      await tx(APPLY_LOCK_TABLE).where({ id: 1, generation: id }).delete();
    });
  }

  async listGenerations(): Promise<GenerationSummary[]> {
    const rows: GenerationRow[] = await this.db(GENERATIONS_TABLE).orderBy('id', 'desc');
    return rows.map(row => {
      const { layer: _layer, ...summary } = toGeneration(row);
      return summary;
    });
  }

  async getGeneration(id: number): Promise<StoredGeneration | undefined> {
    const row: GenerationRow | undefined = await this.db(GENERATIONS_TABLE).where({ id }).first();
    return row ? toGeneration(row) : undefined;
  }

  /** The running apply's generation, if the lock is held and not expired. */
  async applying(): Promise<StoredGeneration | undefined> {
    const lock = await this.db(APPLY_LOCK_TABLE).where({ id: 1 }).first();
    if (!lock || Number(lock.expires_at) <= Date.now()) return undefined;
    return this.getGeneration(lock.generation);
  }

  /**
   * The newest generation that serves: what replicas converge to. An
   * applying one is not followed until it serves somewhere.
   */
  async servingGeneration(): Promise<StoredGeneration | undefined> {
    const row: GenerationRow | undefined = await this.db(GENERATIONS_TABLE).where({ state: 'serving' }).orderBy('id', 'desc').first();
    return row ? toGeneration(row) : undefined;
  }

  /** The apply lock as stored, expired or not: who holds it, for which generation. */
  async lockHolder(): Promise<{ generation: number; holder: string; expired: boolean } | undefined> {
    const lock = await this.db(APPLY_LOCK_TABLE).where({ id: 1 }).first();
    return lock ? { generation: Number(lock.generation), holder: lock.holder, expired: Number(lock.expires_at) <= Date.now() } : undefined;
  }

  /**
   * The generation a start must install: the newest one that serves, or whose
   * apply got as far as installing it (its restart is what completes it).
   * Undefined before the first apply: the base file alone is the desired state.
   */
  async desiredGeneration(): Promise<StoredGeneration | undefined> {
    const row: GenerationRow | undefined = await this.db(GENERATIONS_TABLE)
      .where({ state: 'serving' })
      .orWhere(q => q.where({ state: 'applying' }).whereIn('stage', INSTALLED_STAGES))
      .orderBy('id', 'desc')
      .first();
    return row ? toGeneration(row) : undefined;
  }
}

function toChange(row: ChangeRow): PendingChange {
  return {
    id: Number(row.id),
    key: row.key,
    action: row.action,
    package: row.package,
    ...(row.integrity ? { integrity: row.integrity } : {}),
    ...(row.plugin_config !== null ? { pluginConfig: JSON.parse(row.plugin_config) } : {}),
    ...(row.role ? { role: row.role } : {}),
    author: row.author,
    createdAt: row.created_at,
  };
}

function toGeneration(row: GenerationRow): StoredGeneration {
  return {
    id: Number(row.id),
    state: row.state,
    ...(row.stage ? { stage: row.stage } : {}),
    author: row.author,
    createdAt: row.created_at,
    ...(row.finished_at ? { finishedAt: row.finished_at } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
    ...(row.rollback_of !== null && row.rollback_of !== undefined ? { rollbackOf: Number(row.rollback_of) } : {}),
    diff: JSON.parse(row.diff),
    layer: JSON.parse(row.layer),
  };
}
