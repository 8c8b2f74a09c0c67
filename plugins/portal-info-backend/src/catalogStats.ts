import type { AuthService } from '@backstage/backend-plugin-api';
import type { CatalogService } from '@backstage/plugin-catalog-node';

export interface CatalogStats {
  /** Entities per kind, e.g. `{ Component: 12, API: 4 }`. */
  byKind: Record<string, number>;
  total: number;
  /** When they were counted (ISO time), or null before the first count. */
  countedAt: string | null;
}

/**
 * Entity counts by kind, recounted by a scheduled task rather than per
 * request: every home page view asks for them.
 */
export class CatalogStatsCache {
  private stats: CatalogStats = { byKind: {}, total: 0, countedAt: null };

  constructor(private readonly catalog: CatalogService, private readonly auth: AuthService) {}

  get(): CatalogStats {
    return this.stats;
  }

  async refresh(): Promise<CatalogStats> {
    const credentials = await this.auth.getOwnServiceCredentials();
    const { facets } = await this.catalog.getEntityFacets({ facets: ['kind'] }, { credentials });
    const byKind = Object.fromEntries((facets.kind ?? []).map(f => [f.value, f.count]));
    this.stats = {
      byKind,
      total: Object.values(byKind).reduce((sum, n) => sum + n, 0),
      countedAt: new Date().toISOString(),
    };
    return this.stats;
  }
}
