import type { ResolvedPlugin } from '../config/layers';

export type SourceKind = 'npm' | 'oci' | 'local';

/** What an installed plugin folder holds and where it came from. */
export interface InstalledRecord {
  key: string;
  package: string;
  folder: string;
  name: string;
  version: string;
  source: SourceKind;
  integrity?: string;
  digest?: string;
  /** Fingerprint of the entry (minus pluginConfig) and, for local ones, of the source folder. */
  fingerprint: string;
  /** The source's own part of the fingerprint (e.g. a local folder's content hash). */
  sourceFingerprint?: string;
  /** For local plugins: the folder it was copied from. */
  sourceDir?: string;
}

export interface InstallSettings {
  /** Folder of the top-level dynamic-plugins.yaml: local paths are relative to it. */
  configDir: string;
  skipIntegrity: boolean;
  insecureRegistries: string[];
  maxEntryBytes: number;
  maxArchiveBytes: number;
  /** Where downloads go before extraction (same filesystem as the root); created on first use. */
  downloads(): Promise<string>;
  /** npm settings from .npmrc and the environment. */
  npm: { options: Record<string, unknown>; secrets: string[] };
  /** Per-request timeout and retries for registries. */
  network: { timeoutMs: number; retries: number; minBackoffMs: number };
  /** Work shared by plugins of one run, e.g. an OCI image pulled once. */
  cache: Map<string, Promise<unknown>>;
  log(message: string): void;
}

export interface FetchRequest {
  plugin: ResolvedPlugin;
  /** An empty folder to create the plugin folder in. */
  stagingDir: string;
  settings: InstallSettings;
}

export interface FetchResult {
  /** The plugin folder inside stagingDir. */
  dir: string;
  record: Omit<InstalledRecord, 'fingerprint' | 'key' | 'package'>;
}

/**
 * One kind of place plugins come from. `fingerprint` says, without
 * downloading anything when possible, what would be installed; an unchanged
 * fingerprint means the installed folder is kept as it is.
 */
export interface PluginSource {
  kind: SourceKind;
  fingerprint(plugin: ResolvedPlugin, settings: InstallSettings): Promise<string | undefined>;
  /** Whether `fingerprint` needs no registry for this plugin (pinned or local, not forced). */
  checksOffline(plugin: ResolvedPlugin): boolean;
  fetch(request: FetchRequest): Promise<FetchResult>;
}
