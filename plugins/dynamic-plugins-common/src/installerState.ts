import { parseTrustResult, type TrustResult } from './trust';

/**
 * The installer's record of what the dynamic plugins root holds. The
 * installer writes it after every successful install; the backend loader and
 * the admin API read it, so a folder left in the root by a plugin that is now
 * disabled is never loaded nor listed.
 */
export const INSTALLER_STATE_FILE = '.devportal-installed.json';

/** Where a plugin came from. `local` is a folder next to the config (the bundled plugins). */
export const SOURCE_KINDS = ['npm', 'oci', 'local'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];

/** What an installed plugin folder holds and where it came from. */
export interface InstalledRecord {
  /** The plugin's key in dynamic-plugins.yaml (its spec, normalised). */
  key: string;
  /** The `package:` line as written. */
  package: string;
  /** The folder name inside the root. */
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
  /** The trust policy's result for what was installed (`trust.ts`); absent from states written before it. */
  trust?: TrustResult;
}

/** The whole state file. */
export interface InstallState {
  version: 1;
  /** The config files read (top-level first). */
  files: string[];
  /** A hash of the config files' contents and the options that matter. */
  inputs: string;
  /** True when every enabled plugin can be re-checked without a registry (pinned or local). */
  offline: boolean;
  plugins: Record<string, InstalledRecord>;
  disabled: Array<{ key: string; package: string }>;
  /** The config's warnings, repeated by a re-run that skips parsing. */
  warnings: string[];
}

/**
 * Parses the state file's text. Anything that is not a version 1 state (a
 * newer installer, a truncated file) is `undefined`: the reader then acts as
 * if nothing were installed rather than guess.
 */
export function parseInstallState(text: string): InstallState | undefined {
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!state || typeof state !== 'object' || (state as InstallState).version !== 1) return undefined;
  const { plugins, disabled } = state as Partial<InstallState>;
  if (plugins !== undefined && (typeof plugins !== 'object' || plugins === null || Array.isArray(plugins))) return undefined;
  if (disabled !== undefined && !Array.isArray(disabled)) return undefined;
  const defaults = { files: [], inputs: '', offline: false, warnings: [] };
  return { ...defaults, ...(state as InstallState), plugins: withTrust(plugins ?? {}), disabled: disabled ?? [] };
}

/** A record's `trust` is kept only when it is a well-formed result: a reader never shows a guess. */
function withTrust(plugins: Record<string, InstalledRecord>): Record<string, InstalledRecord> {
  const out: Record<string, InstalledRecord> = {};
  for (const [key, record] of Object.entries(plugins)) {
    if (!record || typeof record !== 'object' || record.trust === undefined) {
      out[key] = record;
      continue;
    }
    const trust = parseTrustResult(record.trust);
    const { trust: _dropped, ...rest } = record;
    out[key] = trust ? { ...rest, trust } : rest;
  }
  return out;
}
