import type { CatalogCompatibility, CatalogListing, HostVersions } from '@devportal/plugin-dynamic-plugins-common';
import { incompatibility } from '@devportal/plugin-dynamic-plugins-node';
import { readCatalog, type CatalogSource, type ReadCatalogEntry } from '@devportal/plugin-installer';

export interface CatalogQuery {
  q?: string;
  category?: string;
  kind?: string;
  source?: string;
  compatible?: string;
}

/**
 * The catalog as the page lists it: read from every configured source (a
 * bad source or entry is an error line, the rest still lists), with each
 * entry's compatibility verdict against this host, cached for a minute so
 * typing in the search box does not pull OCI images again.
 */
export class CatalogView {
  private cached?: { at: number; entries: CatalogListing[]; errors: string[] };

  constructor(
    private readonly options: { sources: CatalogSource[]; host: HostVersions; baseDir: string; ttlMs?: number; insecureRegistries?: string[] },
  ) {}

  async list(query: CatalogQuery = {}): Promise<{ entries: CatalogListing[]; errors: string[] }> {
    const { entries, errors } = await this.load();
    const text = query.q?.trim().toLowerCase();
    return {
      errors,
      entries: entries.filter(
        entry =>
          (!text || [entry.id, entry.title, entry.description, entry.name, entry.category].some(v => v.toLowerCase().includes(text))) &&
          (!query.category || entry.category === query.category) &&
          (!query.kind || entry.kind === query.kind) &&
          (!query.source || entry.source === query.source) &&
          (!query.compatible || String(entry.compatibility.compatible) === query.compatible),
      ),
    };
  }

  async get(id: string): Promise<CatalogListing | undefined> {
    return (await this.load()).entries.find(entry => entry.id === id);
  }

  private async load() {
    const ttl = this.options.ttlMs ?? 60_000;
    if (this.cached && Date.now() - this.cached.at < ttl) return this.cached;
    const { entries, errors } = await readCatalog(this.options.sources, {
      baseDir: this.options.baseDir,
      insecureRegistries: this.options.insecureRegistries,
    });
    this.cached = { at: Date.now(), entries: entries.map(entry => ({ ...entry, compatibility: this.verdict(entry) })), errors };
    return this.cached;
  }

  private verdict(entry: ReadCatalogEntry): CatalogCompatibility {
    const newest = entry.versions[0];
    if (entry.needsExport) {
      return { compatible: false, reason: 'an upstream package that must be exported as a dynamic plugin first (devportal plugin export)' };
    }
    if (!newest?.backstageVersion) {
      return { compatible: 'unknown', reason: 'the catalog does not say which Backstage release it was built for; the backend checks it when it loads' };
    }
    const problem = incompatibility({ backstage: newest.backstageVersion }, this.options.host);
    return problem
      ? { compatible: false, reason: `${newest.version} ${problem}` }
      : { compatible: true, reason: `${newest.version} was built for Backstage ${newest.backstageVersion}; the host runs ${this.options.host.backstage ?? 'an unknown release'}` };
  }
}
