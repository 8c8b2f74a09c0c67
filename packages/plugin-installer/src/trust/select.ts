import crypto from 'node:crypto';
import type { TrustMode } from '@devportal/plugin-dynamic-plugins-common';
import type { AllowedUnsigned, TrustedIdentity, TrustedKey, TrustPolicy, TrustRules } from './policy';

/*
 * Which rules apply to one plugin: the top level, overlaid by the matching
 * overrides from the least to the most specific (registry, then scope or
 * OCI repository; a longer prefix is more specific), key by key.
 */

/** Where a plugin comes from, as far as the policy's selectors care. */
export type TrustSubject =
  | { kind: 'npm'; name: string; registry: string }
  | { kind: 'oci'; registry: string; repository: string };

export interface EffectiveTrust {
  mode: TrustMode;
  keys: TrustedKey[];
  identities: TrustedIdentity[];
  npmRegistryKeys: boolean;
  sourceRepositories: string[];
  /** The allow-list entry for this package, if any: unsigned is then accepted. */
  allowed?: AllowedUnsigned;
  trustedRoot?: { file: string; json: unknown };
  /**
   * A hash of everything above: part of the plugin's fingerprint, so a
   * changed policy (or key) verifies an installed plugin again.
   */
  fingerprint: string;
}

export function effectiveTrust(policy: TrustPolicy | undefined, subject: TrustSubject): EffectiveTrust {
  if (!policy) return { mode: 'off', keys: [], identities: [], npmRegistryKeys: false, sourceRepositories: [], fingerprint: 'off' };
  const matches: Array<{ rank: number; length: number; rules: Partial<TrustRules> }> = [];
  for (const { selector, rules } of policy.overrides) {
    const { kind, value } = selector;
    if (kind === 'npmRegistry' && subject.kind === 'npm' && withSlash(subject.registry).startsWith(value)) {
      matches.push({ rank: 1, length: value.length, rules });
    } else if (kind === 'npmScope' && subject.kind === 'npm' && subject.name.startsWith(`${value}/`)) {
      matches.push({ rank: 2, length: value.length, rules });
    } else if (kind === 'ociRepository' && subject.kind === 'oci') {
      const image = `${subject.registry}/${subject.repository}`;
      // A prefix by whole path segments: `quay.io/acme` covers `quay.io/acme/x`, not `quay.io/acme-evil`.
      if (image === value || image.startsWith(`${value}/`) || (!value.includes('/') && subject.registry === value)) {
        matches.push({ rank: 2, length: value.length, rules });
      }
    }
  }
  matches.sort((a, b) => a.rank - b.rank || a.length - b.length);
  const rules: TrustRules = { ...policy.defaults };
  for (const match of matches) Object.assign(rules, match.rules);

  const name = subject.kind === 'npm' ? subject.name : `${subject.registry}/${subject.repository}`;
  const allowed = policy.allowUnsigned.find(entry => entry.package === name);
  const keys = rules.trustedKeys.map(k => policy.publicKeys.get(k)!);
  const identities = rules.trustedIdentities.map(i => policy.identities.get(i)!);
  const fingerprint = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([
        rules,
        keys.map(k => k.keyid),
        identities,
        allowed ?? null,
        policy.trustedRoot ? crypto.createHash('sha256').update(JSON.stringify(policy.trustedRoot.json)).digest('hex') : null,
      ]),
    )
    .digest('hex');
  return {
    mode: rules.mode,
    keys,
    identities,
    npmRegistryKeys: rules.npmRegistryKeys,
    sourceRepositories: rules.sourceRepositories,
    allowed,
    trustedRoot: policy.trustedRoot,
    fingerprint: rules.mode === 'off' ? 'off' : fingerprint,
  };
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** The registry an npm package is fetched from, as npm picks it: its scope's, else the default. */
export function npmRegistryFor(name: string, options: Record<string, unknown>): string {
  const scope = name.startsWith('@') ? name.split('/')[0] : undefined;
  const scoped = scope ? options[`${scope}:registry`] : undefined;
  const registry = typeof scoped === 'string' ? scoped : typeof options.registry === 'string' ? options.registry : 'https://registry.npmjs.org/';
  return withSlash(registry);
}
