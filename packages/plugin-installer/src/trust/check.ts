import type { TrustResult } from '@devportal/plugin-dynamic-plugins-common';
import type { ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import { formatOciReference } from '../oci/reference';
import { clientFor } from '../sources/oci';
import { isOnThisMachine } from '../spec/classify';
import type { InstallSettings } from '../sources/types';
import { checkPinAgainstPublished } from '../verify/artifact';
import type { TrustPolicy } from './policy';
import { effectiveTrust, npmRegistryFor, type EffectiveTrust } from './select';
import { combine, decide, type Finding } from './verdict';

/*
 * The trust step of one plugin, run by `installOne` before the plugin's
 * source fetches anything. It looks up what the registry publishes, checks
 * signatures against the policy, and hands back the plugin pinned to what
 * was checked (npm: the signed integrity; OCI: the signed digest), so the
 * source's own integrity or digest check guarantees that the bytes it
 * extracts are the bytes that were verified. `off` makes no request at all.
 */

export interface TrustCheck {
  /** The plugin to fetch: pinned to what was verified. */
  plugin: ResolvedPlugin;
  /** Settings to fetch it with, when pinning changed which plugins share an image (OCI). */
  settings?: InstallSettings;
  result: TrustResult;
  /** Part of the plugin's fingerprint: a changed policy verifies again. */
  fingerprint: string;
}

const NOT_CHECKED = (mode: TrustResult['mode'], detail?: string): TrustResult => ({ status: 'not-checked', mode, ...(detail ? { detail } : {}) });

/** The effective policy for a plugin, without any request: for the fingerprint of an unchanged plugin. */
export function trustFor(plugin: ResolvedPlugin, policy: TrustPolicy | undefined, settings: InstallSettings): EffectiveTrust | undefined {
  if (!policy || plugin.preInstalled) return undefined;
  const spec = plugin.spec;
  if (spec.type === 'oci') {
    return effectiveTrust(policy, { kind: 'oci', registry: spec.reference.registry, repository: spec.reference.repository });
  }
  if (spec.type === 'invalid' || spec.source !== 'npm' || isOnThisMachine(spec)) return undefined;
  const name = spec.type === 'registry' ? spec.name : plugin.key;
  return effectiveTrust(policy, { kind: 'npm', name, registry: npmRegistryFor(name, settings.npm.options) });
}

export async function checkTrust(plugin: ResolvedPlugin, trust: EffectiveTrust | undefined, settings: InstallSettings): Promise<TrustCheck> {
  if (!trust) {
    // Folders and tarballs on this machine are trusted like the portal's own files.
    return { plugin, result: NOT_CHECKED('off', 'on this machine'), fingerprint: 'local' };
  }
  if (trust.mode === 'off') return { plugin, result: NOT_CHECKED('off'), fingerprint: 'off' };
  const spec = plugin.spec;
  if (spec.type === 'oci') return checkOci(plugin, spec.reference, trust, settings);
  if (spec.type !== 'registry') {
    // A tarball URL has no registry to sign it.
    const { result, warning } = decide(plugin.package, trust, 'npm', { status: 'unsigned', method: 'none', detail: 'a tarball URL, which no registry signs' });
    if (warning) settings.log(warning);
    return { plugin, result, fingerprint: trust.fingerprint };
  }
  return checkNpm(plugin, spec.name, spec.spec, trust, settings);
}

async function checkNpm(plugin: ResolvedPlugin, name: string, spec: string, trust: EffectiveTrust, settings: InstallSettings): Promise<TrustCheck> {
  const registry = npmRegistryFor(name, settings.npm.options);
  const { fetchVersionMetadata, fetchRegistryKeys } = await import('./npmRegistry');
  const manifest = await fetchVersionMetadata(plugin, spec, settings);
  if (manifest.name !== name) {
    throw new InstallError(`${plugin.package}: the registry's manifest names the package ${manifest.name}, not ${name}`, 'INVALID_PACKAGE_MANIFEST');
  }
  if (plugin.integrity) checkPinAgainstPublished(plugin.integrity, manifest.integrity, plugin.package);
  const findings: Finding[] = [];
  const { checkRegistrySignatures } = await import('./npmSignatures');
  const signatures = manifest.signatures;
  const wantsRegistryKeys = trust.npmRegistryKeys && signatures.some(s => !trust.keys.some(k => k.keyid === s.keyid));
  findings.push(
    checkRegistrySignatures({
      name: manifest.name,
      version: manifest.version,
      integrity: manifest.integrity,
      signatures,
      trustedKeys: trust.keys,
      registryKeys: wantsRegistryKeys ? await fetchRegistryKeys(plugin, registry, settings) : undefined,
      registry,
      publishedAt: manifest.time,
    }),
  );
  if (manifest.attestationsUrl && trust.identities.length + trust.keys.length > 0 && findings[0].status !== 'verified') {
    const { checkProvenance } = await import('./npmProvenance');
    findings.push(await checkProvenance({ plugin, manifest, trust, registry, settings }));
  }
  const finding = combine(findings);
  const { result, warning } = decide(plugin.package, trust, 'npm', finding);
  settings.log(warning ?? `${plugin.package}: ${describeResult(result)}`);
  // Pinned to the signed integrity, so the source refuses a registry that now
  // answers with other bytes. Only what verified stands in for a missing
  // pin: an unverified integrity is the registry's word, which is not one.
  const pinned = plugin.integrity || result.status !== 'verified' ? plugin : { ...plugin, integrity: manifest.integrity };
  return { plugin: pinned, result, fingerprint: trust.fingerprint };
}

async function checkOci(
  plugin: ResolvedPlugin,
  ref: import('../oci/reference').OciReference,
  trust: EffectiveTrust,
  settings: InstallSettings,
): Promise<TrustCheck> {
  const client = await clientFor(settings);
  // The digest the reference points at now; the fetch is then pinned to it
  // and reuses the manifest fetched here (one request per tag and run).
  const digest = ref.digest ?? (await (await import('../sources/oci')).resolveTag(client, ref, settings));
  const image = `${ref.registry}/${ref.repository}`;
  // Plugins from one image share one check.
  const key = `trust:oci:${image}@${digest}:${trust.fingerprint}`;
  let pending = settings.cache.get(key) as Promise<Finding> | undefined;
  if (!pending) {
    pending = (async () => {
      const { checkCosignSignatures } = await import('./cosign');
      return checkCosignSignatures({ client, ref, digest, trust, downloads: settings.downloads });
    })();
    settings.cache.set(key, pending);
  }
  const finding = await pending;
  const { result, warning } = decide(plugin.package, trust, 'oci', finding);
  settings.log(warning ?? `${plugin.package}: ${describeResult(result)} (${formatOciReference({ ...ref, digest, tag: undefined }, { withPluginPath: false })})`);
  if (ref.digest) return { plugin, result, fingerprint: trust.fingerprint };
  return { plugin: pinTo(plugin, digest), settings: pinnedSettings(settings, ref, digest), result, fingerprint: trust.fingerprint };
}

function pinTo(plugin: ResolvedPlugin, digest: string): ResolvedPlugin {
  return plugin.spec.type === 'oci' ? { ...plugin, spec: { ...plugin.spec, reference: { ...plugin.spec.reference, digest } } } : plugin;
}

/**
 * The run's settings with every plugin of the same image by tag pinned to
 * the verified digest too, so the plugins of one image still share one pull
 * and one extraction pass (`sources/ociBatch.ts` groups them by reference).
 * One object per image: the source keeps one registry client per settings.
 */
function pinnedSettings(settings: InstallSettings, ref: import('../oci/reference').OciReference, digest: string): InstallSettings {
  let byImage = pinnedByRun.get(settings);
  if (!byImage) pinnedByRun.set(settings, (byImage = new Map()));
  const key = `${ref.registry}/${ref.repository}:${ref.tag}@${digest}`;
  let pinned = byImage.get(key);
  if (!pinned) {
    const same = (p: ResolvedPlugin) =>
      p.spec.type === 'oci' &&
      !p.spec.reference.digest &&
      p.spec.reference.registry === ref.registry &&
      p.spec.reference.repository === ref.repository &&
      p.spec.reference.tag === ref.tag;
    pinned = { ...settings, plugins: settings.plugins?.map(p => (same(p) ? pinTo(p, digest) : p)) };
    byImage.set(key, pinned);
  }
  return pinned;
}

const pinnedByRun = new WeakMap<InstallSettings, Map<string, InstallSettings>>();

function describeResult(result: TrustResult): string {
  if (result.status === 'verified') return `verified by ${result.by} (${result.method})`;
  return `${result.status}${result.detail ? ` (${result.detail})` : ''}`;
}


/**
 * The warnings of the installed plugins that audit let through, from their
 * records: repeated on every run (an unchanged one too) until they are signed.
 */
export function trustWarnings(records: Array<{ package: string; trust?: TrustResult }>): string[] {
  return records
    .filter(r => r.trust && r.trust.mode === 'audit' && (r.trust.status === 'invalid' || (r.trust.status === 'unsigned' && !r.trust.detail?.startsWith('allowed: '))))
    .map(r => `${r.package}: trust ${r.trust!.status}${r.trust!.detail ? `: ${r.trust!.detail}` : ''} (trust policy: audit, installed anyway)`);
}
