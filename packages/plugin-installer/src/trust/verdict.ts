import type { TrustResult } from '@devportal/plugin-dynamic-plugins-common';
import { InstallError } from '../errors';
import type { EffectiveTrust } from './select';

/*
 * From what the checks found to what the install does: record, warn or
 * refuse. One place, so every source words its refusals the same way.
 */

/** What one check (registry signature, provenance, cosign) found. */
export interface Finding {
  status: 'verified' | 'unsigned' | 'invalid';
  method: string;
  by?: string;
  sourceRepository?: string;
  detail?: string;
}

/** The strongest of several findings: one verified wins; else an invalid one; else unsigned. */
export function combine(findings: Finding[]): Finding {
  return (
    findings.find(f => f.status === 'verified') ??
    findings.find(f => f.status === 'invalid') ??
    findings[0] ?? { status: 'unsigned', method: 'none', detail: 'no signature' }
  );
}

/** What the policy expected, for messages: `a signature by key a or b, or provenance from identity c`. */
export function expected(trust: EffectiveTrust, kind: 'npm' | 'oci'): string {
  const signers = [
    ...trust.keys.map(k => `key ${k.name}`),
    ...(kind === 'npm' && trust.npmRegistryKeys ? ['a key of the registry'] : []),
  ];
  const parts = [];
  if (signers.length) parts.push(`a signature by ${signers.join(' or ')}`);
  if (kind === 'npm' && trust.identities.length) {
    const repos = trust.sourceRepositories.length ? ` built from ${trust.sourceRepositories.join(' or ')}` : '';
    parts.push(`provenance signed by identity ${trust.identities.map(i => i.name).join(' or ')}${repos}`);
  }
  if (kind === 'oci' && trust.identities.length) {
    parts.push(`a keyless signature by identity ${trust.identities.map(i => i.name).join(' or ')}`);
  }
  return parts.length ? parts.join(', or ') : 'a signature, but the policy trusts no key or identity';
}

/**
 * Applies the mode: `enforce` throws `TRUST_REFUSED` (one line: the plugin,
 * what was expected, what was found) unless verified or allow-listed
 * unsigned; `audit` returns the result with a warning to log and record.
 */
export function decide(
  pluginPackage: string,
  trust: EffectiveTrust,
  kind: 'npm' | 'oci',
  finding: Finding,
): { result: TrustResult; warning?: string } {
  const result: TrustResult = { status: finding.status, mode: trust.mode, method: finding.method };
  if (finding.by) result.by = finding.by;
  if (finding.sourceRepository) result.sourceRepository = finding.sourceRepository;
  if (finding.status === 'verified') return { result };
  // Allow-listing accepts a missing signature only: a signature that fails is a sign of tampering.
  if (finding.status === 'unsigned' && trust.allowed) {
    return { result: { ...result, detail: `allowed: ${trust.allowed.reason}` } };
  }
  if (finding.detail) result.detail = finding.detail;
  const line = `${pluginPackage}: expected ${expected(trust, kind)}; found ${finding.detail ?? finding.status}`;
  if (trust.mode === 'enforce') {
    throw new InstallError(`${line} (trust policy: enforce)`, finding.status === 'unsigned' ? 'TRUST_UNSIGNED' : 'TRUST_INVALID');
  }
  return { result, warning: `${line} (trust policy: audit, installed anyway)` };
}
