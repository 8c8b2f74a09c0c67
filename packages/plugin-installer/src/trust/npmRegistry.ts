import type { ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import { pacoteOptions } from '../sources/npm';
import { redact } from '../sources/npmrc';
import type { InstallSettings } from '../sources/types';
import { readRegistryKeys, readSignatures, type RegistryKey, type RegistrySignature } from './npmSignatures';

/*
 * What the trust step asks an npm registry: a version's metadata (with
 * `dist.signatures` and `dist.attestations`) and the registry's signing keys.
 * Both go through npm's own libraries with the run's .npmrc settings, so a
 * private registry's token is used as for the download.
 */

export interface VersionMetadata {
  name: string;
  version: string;
  integrity: string;
  signatures: RegistrySignature[];
  /** `dist.attestations.url`, when the registry has provenance or publish attestations. */
  attestationsUrl?: string;
  /** When the version was published, if the registry says (for registry key expiry). */
  time?: string;
}


function failure(plugin: ResolvedPlugin, settings: InstallSettings, what: string, error: unknown): InstallError {
  const e = error as { code?: string; statusCode?: number; message?: string };
  const detail = e.statusCode ? `HTTP ${e.statusCode}` : (e.code ?? String(e.message ?? error).split('\n')[0]);
  return new InstallError(redact(`${plugin.package}: cannot read ${what} for the trust policy (${detail})`, settings.npm.secrets), 'TRUST_LOOKUP_FAILED');
}

export async function fetchVersionMetadata(plugin: ResolvedPlugin, spec: string, settings: InstallSettings): Promise<VersionMetadata> {
  // The same request the npm source downloads by (one per run and spec): the
  // source then fetches the tarball this manifest names and checks it against
  // the integrity verified here.
  const { registryManifest } = await import('../sources/npm');
  let manifest: Record<string, any>;
  try {
    manifest = await registryManifest(spec, settings);
  } catch (error) {
    throw failure(plugin, settings, "the registry's manifest", error);
  }
  if (typeof manifest._integrity !== 'string' || typeof manifest.version !== 'string') {
    throw new InstallError(`${plugin.package}: the registry's manifest has no integrity to verify a signature against`, 'INVALID_PACKAGE_MANIFEST');
  }
  const url = manifest._attestations?.url;
  return {
    name: String(manifest.name),
    version: manifest.version,
    integrity: manifest._integrity,
    signatures: readSignatures(manifest._signatures),
    attestationsUrl: typeof url === 'string' && /^https?:\/\//i.test(url) ? url : undefined,
    ...(typeof manifest._time === 'string' ? { time: manifest._time } : {}),
  };
}

/** `/-/npm/v1/keys` of a registry, once per run. A registry without it has no keys (404). */
export function fetchRegistryKeys(plugin: ResolvedPlugin, registry: string, settings: InstallSettings): Promise<RegistryKey[]> {
  const key = `trust:npm-keys:${registry}`;
  let pending = settings.cache.get(key) as Promise<RegistryKey[]> | undefined;
  if (!pending) {
    pending = (async () => {
      const fetch = ((m: any) => m.default ?? m)(await import('npm-registry-fetch')) as typeof import('npm-registry-fetch');
      try {
        return readRegistryKeys(await fetch.json('/-/npm/v1/keys', { ...(await pacoteOptions(settings)), registry }));
      } catch (error) {
        if ((error as { statusCode?: number }).statusCode === 404) return [];
        throw failure(plugin, settings, `the signing keys of ${registry}`, error);
      }
    })();
    settings.cache.set(key, pending);
  }
  return pending;
}

/** The attestations document (`{ attestations: [{ predicateType, bundle }] }`), from the registry that served the package. */
export async function fetchAttestations(plugin: ResolvedPlugin, url: string, registry: string, settings: InstallSettings): Promise<unknown> {
  const fetch = ((m: any) => m.default ?? m)(await import('npm-registry-fetch')) as typeof import('npm-registry-fetch');
  // As npm does: the path of the advertised URL, asked of the registry we use (its token, its host).
  const target = new URL(new URL(url).pathname, registry).href;
  try {
    return await fetch.json(target, { ...(await pacoteOptions(settings)), registry, integrity: undefined });
  } catch (error) {
    throw failure(plugin, settings, 'the provenance attestations', error);
  }
}
