import type { InstalledRecord as SharedInstalledRecord, SourceKind } from '@devportal/plugin-dynamic-plugins-common';
import type { ResolvedPlugin } from '../config/layers';
import type { OciLimits } from '../oci/limits';
import type { SpecFor } from '../spec/classify';

export type { SourceKind };

/**
 * What an installed plugin folder holds and where it came from: the shared
 * record, plus what only the installer writes.
 */
export interface InstalledRecord extends SharedInstalledRecord {
  /**
   * For a local folder: `sha256:<hex>` of the installed copy's content
   * (`verify/folderHash.ts`). Recorded, not verified: a local folder has no
   * pin to check it against.
   */
  contentHash?: string;
  /**
   * The installed folder's file list with sizes and modification times
   * (`folderFingerprint`), taken before it was switched in. A folder edited
   * in place afterwards (a persistent volume) no longer matches, and the next
   * run installs it again instead of trusting name and version.
   */
  folderFingerprint?: string;
}

export interface InstallSettings {
  /** Folder of the top-level dynamic-plugins.yaml: local paths are relative to it. */
  configDir: string;
  skipIntegrity: boolean;
  insecureRegistries: string[];
  maxEntryBytes: number;
  maxArchiveBytes: number;
  /** Largest npm tarball downloaded (`NPM_TARBALL_TOO_LARGE`). */
  maxNpmTarballBytes: number;
  /** Caps on each OCI image: layer count, layer, image and manifest bytes. */
  oci: OciLimits;
  /** Refuse OCI references pinned by tag only (`OCI_DIGEST_REQUIRED`). */
  requireOciDigest: boolean;
  /** Where downloads go before extraction (same filesystem as the root); created on first use. */
  downloads(): Promise<string>;
  /** npm settings from .npmrc and the environment. */
  npm: { options: Record<string, unknown>; secrets: string[] };
  /** Per-request timeout and retries for registries. */
  network: { timeoutMs: number; retries: number; minBackoffMs: number };
  /** Environment for registry credentials (REGISTRY_AUTH_FILE, DOCKER_CONFIG…). */
  env: NodeJS.ProcessEnv;
  /**
   * Every plugin of the run's config: plugins from one OCI image are
   * extracted from its layer in one pass (`sources/oci.ts`).
   */
  plugins?: readonly ResolvedPlugin[];
  /** Work shared by plugins of one run, e.g. an OCI image pulled once. */
  cache: Map<string, Promise<unknown>>;
  log(message: string): void;
  /**
   * Checks a fetched package before it can be switched in (its package.json);
   * a reason refuses it as INCOMPATIBLE and the root keeps what it had.
   */
  vet?(packageJson: Record<string, unknown>): string | undefined;
}

/** A plugin with its spec narrowed to what one source fetches. */
export interface SourcePlugin<K extends SourceKind> {
  plugin: ResolvedPlugin;
  spec: SpecFor<K>;
}

export interface FetchRequest<K extends SourceKind> extends SourcePlugin<K> {
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
 * One kind of place plugins come from (`npm.ts`, `oci.ts`, `local.ts`),
 * picked by the classified spec's `source` (`registry.ts`). `fingerprint`
 * says, without downloading anything when possible, what would be
 * installed; an unchanged fingerprint means the installed folder is kept as
 * it is. Every downloaded artifact passes `verify/verifyArtifact` before it
 * is extracted.
 */
export interface PluginSource<K extends SourceKind> {
  kind: K;
  fingerprint(target: SourcePlugin<K>, settings: InstallSettings): Promise<string | undefined>;
  /** Whether `fingerprint` needs no registry for this plugin (pinned or local, not forced). */
  checksOffline(target: SourcePlugin<K>): boolean;
  fetch(request: FetchRequest<K>): Promise<FetchResult>;
}
