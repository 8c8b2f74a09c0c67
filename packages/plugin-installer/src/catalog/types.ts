import type { CatalogEntry } from '@devportal/plugin-dynamic-plugins-common';

/**
 * Where the marketplace reads catalog entries from (the backend takes the
 * list from its config). Relative paths are resolved against `baseDir`.
 */
export type CatalogSource =
  /** A folder of DevPortal index files, one `<id>.yaml` per plugin (docs/plugins/catalog-format.md). */
  | { type: 'index'; path: string }
  /** One YAML file holding a list of entries in the index format. */
  | { type: 'file'; path: string }
  /** The same list fetched over HTTPS (plain HTTP only to loopback). */
  | { type: 'url'; url: string }
  /** An OCI image in RHDH's catalog index layout (`catalog-entities/extensions/`). */
  | { type: 'oci'; image: string };

/**
 * A catalog entry as read: the common contract plus what the index format
 * says about packaging. `needsExport` marks an upstream Backstage package
 * (not a dynamic plugin as published): `devportal plugin export --from-npm`
 * turns it into one, and the catalog build publishes that export.
 */
export interface ReadCatalogEntry extends CatalogEntry {
  needsExport?: boolean;
  /**
   * How `devportal catalog build` checks the plugin in a real portal (a route
   * and what it answers, a page and what it shows); not part of the contract,
   * since only the build reads it.
   */
  smoke?: Record<string, unknown>;
}

export interface ReadCatalogOptions {
  /** Absolute folder that relative source paths are resolved against. */
  baseDir?: string;
  /** Registries spoken to over plain HTTP besides loopback (OCI sources). */
  insecureRegistries?: string[];
  /** Environment for registry auth files (`REGISTRY_AUTH_FILE`, `HOME`); default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Per HTTP request (URL sources, each registry request). Default 30 s. */
  timeoutMs?: number;
  /** Largest catalog file (index file, list file, URL body, entity file). Default 4 MiB. */
  maxFileBytes?: number;
  /** Largest OCI layer of a catalog index image, and the most bytes extracted from it. Default 64 MiB. */
  maxImageBytes?: number;
  /** Where OCI layers are downloaded and extracted (a temporary folder inside it, removed after). Default the OS temp folder. */
  workDir?: string;
  /** Retries of a failed registry request. Default 2. */
  retries?: number;
}

export interface CatalogReadResult {
  entries: ReadCatalogEntry[];
  /** One line per problem: `where:line: key: what`. A bad file or entry is left out; the rest still load. */
  errors: string[];
}

export const DEFAULT_CATALOG_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_CATALOG_FILE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_MAX_CATALOG_IMAGE_BYTES = 64 * 1024 * 1024;
/** Most entries one source may give: a catalog is curated, not a registry dump. */
export const MAX_ENTRIES_PER_SOURCE = 5_000;
