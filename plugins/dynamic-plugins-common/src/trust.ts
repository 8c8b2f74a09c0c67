/**
 * The installer's trust policy outcome for one plugin: who signed what was
 * installed, as recorded in the installer state and shown by
 * `devportal plugins list`, `/api/dynamic-plugins/status` and the
 * marketplace. Isomorphic: plain data only.
 */

/** `off`: nothing is checked; `audit`: checked, installed anyway with a warning; `enforce`: refused unless verified or allow-listed. */
export const TRUST_MODES = ['off', 'audit', 'enforce'] as const;
export type TrustMode = (typeof TRUST_MODES)[number];

/**
 * - `verified`: a signature or attestation by a trusted identity covers the exact bytes installed;
 * - `unsigned`: nothing signed it (installed because of `audit` or the allow-list);
 * - `invalid`: a signature was found but did not verify, covers other bytes, or its signer is not trusted (installed only under `audit`);
 * - `not-checked`: the policy is `off` for it, or it is on this machine (local folders are trusted like the portal's own files).
 */
export const TRUST_STATUSES = ['verified', 'unsigned', 'invalid', 'not-checked'] as const;
export type TrustStatus = (typeof TRUST_STATUSES)[number];

export interface TrustResult {
  status: TrustStatus;
  /** The mode that applied to this plugin. */
  mode: TrustMode;
  /** For `verified`: the trusted identity, e.g. `key acme-release` or `identity community-plugins`. */
  by?: string;
  /** What was verified: `npm-registry-signature`, `npm-provenance`, `cosign`. */
  method?: string;
  /** For `provenance`: the source repository the build came from. */
  sourceRepository?: string;
  /** Why it is not verified, or why it was allowed (the allow-list's reason). */
  detail?: string;
}

/** A trust result from untrusted JSON (the state file), or undefined when it is not one. */
export function parseTrustResult(value: unknown): TrustResult | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const v = value as Record<string, unknown>;
  if (!(TRUST_STATUSES as readonly unknown[]).includes(v.status)) return undefined;
  if (!(TRUST_MODES as readonly unknown[]).includes(v.mode)) return undefined;
  const result: TrustResult = { status: v.status as TrustStatus, mode: v.mode as TrustMode };
  for (const key of ['by', 'method', 'sourceRepository', 'detail'] as const) {
    if (typeof v[key] === 'string') result[key] = v[key] as string;
  }
  return result;
}

/** One short word-group for tables: `verified by key acme`, `unsigned (allowed: …)`. */
export function describeTrust(result: TrustResult | undefined): string {
  if (!result) return 'not-checked';
  switch (result.status) {
    case 'verified':
      return `verified by ${result.by ?? 'unknown'}`;
    case 'not-checked':
      return 'not-checked';
    default:
      return result.detail ? `${result.status} (${result.detail})` : result.status;
  }
}
