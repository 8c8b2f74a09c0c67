import type { ReplicaState, ReplicaStatus } from '@devportal/plugin-dynamic-plugins-common';
import type { Knex } from 'knex';
import { REPLICAS_TABLE } from './migrations';

interface ReplicaRow {
  id: string;
  generation: number | null;
  target: number | null;
  state: Exclude<ReplicaState, 'gone'>;
  last_error: string | null;
  updated_at: number | string;
}

/** What a replica reports about itself. */
export interface ReplicaReport {
  id: string;
  generation: number | null;
  state: Exclude<ReplicaState, 'gone'>;
  target?: number;
  lastError?: string;
}

/**
 * The replica view's rows (`devportal_replicas`, created with the
 * marketplace's tables). Each replica writes its own row; nobody else does,
 * so no lock is needed. A row not refreshed within `staleMs` reads as `gone`.
 */
export class ReplicaStore {
  constructor(private readonly db: Knex) {}

  async report(report: ReplicaReport, now = Date.now()): Promise<void> {
    const row = {
      id: report.id,
      generation: report.generation,
      target: report.target ?? null,
      state: report.state,
      last_error: report.lastError ?? null,
      updated_at: now,
    };
    await this.db(REPLICAS_TABLE).insert(row).onConflict('id').merge();
  }

  async list(staleMs: number, now = Date.now()): Promise<ReplicaStatus[]> {
    const rows: ReplicaRow[] = await this.db(REPLICAS_TABLE).orderBy('id');
    return rows.map(row => {
      const updatedAt = Number(row.updated_at);
      return {
        id: row.id,
        generation: row.generation === null ? null : Number(row.generation),
        ...(row.target !== null && row.state === 'applying' ? { target: Number(row.target) } : {}),
        state: updatedAt < now - staleMs ? 'gone' : row.state,
        ...(row.last_error ? { lastError: row.last_error } : {}),
        updatedAt: new Date(updatedAt).toISOString(),
      };
    });
  }

  /** Drops rows of replicas gone for longer than `forgetMs` (scaled-down pods). */
  async forget(forgetMs: number, now = Date.now()): Promise<void> {
    await this.db(REPLICAS_TABLE).where('updated_at', '<', now - forgetMs).delete();
  }
}
