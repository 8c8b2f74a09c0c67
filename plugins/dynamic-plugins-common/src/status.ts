import type { SourceKind } from './installerState';
import type { TrustResult } from './trust';

/** How a plugin's source is shown: the installer's `local` is the portal's bundled folder. */
export type PluginSourceLabel = 'bundled' | Exclude<SourceKind, 'local'> | 'unknown';

export function sourceLabel(source: string | undefined): PluginSourceLabel {
  if (source === 'local') return 'bundled';
  return source === 'npm' || source === 'oci' ? source : 'unknown';
}

export const PLUGIN_STATES = ['loaded', 'disabled', 'incompatible', 'failed', 'skipped'] as const;
export type DynamicPluginState = (typeof PLUGIN_STATES)[number];

/** What happened to one dynamic plugin package at start. */
export interface DynamicPluginStatus {
  package: string;
  version: string;
  /** Where the installer got it. */
  source: PluginSourceLabel;
  /** backend-plugin, backend-plugin-module, frontend-plugin, ... */
  kind: string;
  state: DynamicPluginState;
  /** Why it is not loaded, for incompatible, failed and skipped. */
  reason?: string;
  /** How long its init took, in milliseconds. */
  initMs?: number;
  /** Its folder in the dynamic plugins root. */
  folder?: string;
  /** The installer's trust policy result for it (who signed it), when the installer recorded one. */
  trust?: TrustResult;
}
