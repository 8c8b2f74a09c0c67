/**
 * The marketplace contract: what the Plugins page, the admin API, the desired
 * state store and the catalog readers exchange. Documented route by route in
 * docs/plugins/api.md.
 */
import type { PluginSourceLabel } from './status';
import type { TrustResult } from './trust';

/** What a plugin adds to the portal, as the catalog filters it. */
export const CATALOG_KINDS = ['frontend', 'backend', 'module'] as const;
export type CatalogKind = (typeof CATALOG_KINDS)[number];

/** One version of a plugin the catalog offers, pinned. */
export interface CatalogVersion {
  version: string;
  /** The `package:` line to install it (npm spec, `oci://…` reference or bundled path). */
  package: string;
  /** npm: the `sha512-…` integrity; OCI: pinned by the digest in `package`. */
  integrity?: string;
  /** The Backstage release the version was built against, when known (`backstage.json` or metadata). */
  backstageVersion?: string;
  /** Unpacked or download size in bytes, when the source says. */
  sizeBytes?: number;
}

/** One plugin the catalog offers (an entry of an index file, or of an RHDH catalog index image). */
export interface CatalogEntry {
  /** Stable id within the catalog: lowercase, `[a-z0-9-]`. */
  id: string;
  title: string;
  description: string;
  /** The package name without version (npm name, or the OCI plugin path). */
  name: string;
  kind: CatalogKind;
  source: PluginSourceLabel;
  /** e.g. "CI/CD", "Kubernetes", "Docs". */
  category: string;
  /** Newest first; the first is what Install offers by default. */
  versions: CatalogVersion[];
  /** An `https:`/`data:` image URL or a Material icon name. */
  icon?: string;
  /** Markdown; the page renders it sanitized. */
  readme?: string;
  /** Config keys the plugin needs before it works (dotted paths). */
  requiredConfig?: string[];
  /** Environment variables its default config refers to. */
  environment?: string[];
  /** The `pluginConfig` Install starts from (e.g. RHDH `dynamicPlugins.frontend` wiring). */
  defaultConfig?: Record<string, unknown>;
  /** Ids of entries that belong with this one (frontend + backend pairs). */
  companions?: string[];
  /** What it needs to be useful, in words ("a GitHub token", "a Kubernetes cluster"). */
  needs?: string;
  /** Where the entry was read from (a file path, a URL or an image reference). */
  origin: string;
}

/** Where a catalog entry is checked against the host. */
export interface CatalogCompatibility {
  compatible: boolean | 'unknown';
  reason: string;
}

/** A catalog entry as the API lists it: with the host compatibility verdict of its newest version. */
export interface CatalogListing extends CatalogEntry {
  compatibility: CatalogCompatibility;
}

/**
 * A plugin entry of the marketplace layer, in RHDH's `dynamic-plugins.yaml`
 * entry format. The layer is applied over `dynamic-plugins.yaml` key by key.
 */
export interface LayerEntry {
  package: string;
  disabled?: boolean;
  integrity?: string;
  pluginConfig?: Record<string, unknown>;
}

export const CHANGE_ACTIONS = ['install', 'configure', 'enable', 'disable', 'uninstall'] as const;
export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

/** A staged change, as `POST /changes` takes it. */
export interface ChangeRequest {
  action: ChangeAction;
  /**
   * The plugin: its `package:` line (install, upgrade, downgrade), or its
   * key (the package without version) for the other actions.
   */
  package: string;
  /** install: the integrity to pin (npm); fetched from the registry when left out. */
  integrity?: string;
  /** install and configure: the plugin's whole `pluginConfig`. */
  pluginConfig?: Record<string, unknown>;
}

/** A staged change as stored. */
export interface PendingChange extends ChangeRequest {
  id: number;
  /** The plugin's key (the package without version). */
  key: string;
  /**
   * The package's `backstage.role`, when staging could read it (an install
   * from a registry): an apply whose changes are all frontend plugins starts
   * no backend ahead of its install.
   */
  role?: string;
  author: string;
  createdAt: string;
}

export const GENERATION_STATES = ['applying', 'serving', 'failed', 'superseded'] as const;
export type GenerationState = (typeof GENERATION_STATES)[number];

/** The stages of an apply, in order; pushed to the page as they happen. */
export const APPLY_STAGES = ['resolve', 'download', 'verify', 'extract', 'start', 'healthy'] as const;
export type ApplyStage = (typeof APPLY_STAGES)[number];

/** One line of the difference between two generations. */
export interface GenerationDiffLine {
  key: string;
  change: 'added' | 'removed' | 'enabled' | 'disabled' | 'version' | 'config';
  from?: string;
  to?: string;
}

/** A numbered desired state: the marketplace layer as it was applied. */
export interface GenerationSummary {
  id: number;
  state: GenerationState;
  author: string;
  createdAt: string;
  /** When it finished (serving or failed). */
  finishedAt?: string;
  /** Why it failed. */
  reason?: string;
  /** The generation this one rolled back to, for rollbacks. */
  rollbackOf?: number;
  /** What changed against the previous generation. */
  diff: GenerationDiffLine[];
  /** The last stage reached. */
  stage?: ApplyStage;
}

export interface Generation extends GenerationSummary {
  layer: LayerEntry[];
}

/** Where a plugin's entry comes from: `dynamic-plugins.yaml` or the marketplace layer. */
export type PluginOrigin = 'yaml' | 'marketplace';

/** One plugin on the Installed view: its entry, its state and its last change. */
export interface ManagedPlugin {
  key: string;
  package: string;
  /** The installed package's own name (package.json), when it is installed: what catalog entries name. */
  name?: string;
  origin: PluginOrigin;
  /** A `locked: true` entry of dynamic-plugins.yaml cannot be changed from the marketplace. */
  locked: boolean;
  enabled: boolean;
  version?: string;
  source: PluginSourceLabel;
  /** loaded / failed / disabled / incompatible / pending (a staged or applying change). */
  state: string;
  reason?: string;
  initMs?: number;
  pluginConfig?: Record<string, unknown>;
  changedBy?: string;
  changedAt?: string;
  /** Who signed what is installed (the installer's trust policy result), when it recorded one. */
  trust?: TrustResult;
}

/** Pushed over signals on `APPLY_SIGNAL_CHANNEL` while an apply runs. */
export interface ApplyProgress {
  generation: number;
  stage: ApplyStage;
  state: GenerationState;
  message?: string;
}

/** The signals channel apply progress is broadcast on. */
export const APPLY_SIGNAL_CHANNEL = 'dynamic-plugins:apply';

/**
 * The exit code a backend uses to ask its supervisor (`devportal-cli run`)
 * to install the desired state again and start it anew: EX_TEMPFAIL.
 */
export const RESTART_EXIT_CODE = 75;
