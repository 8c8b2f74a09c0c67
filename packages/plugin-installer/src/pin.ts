import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from './errors';
import { classifySpec } from './spec/classify';
import { readNpmSettings } from './sources/npmrc';

/** What an install pins: an exact npm version with its integrity, or an OCI image by digest. */
export interface PinnedPackage {
  /** The `package:` line to install: `name@1.2.3`, or `oci://host/repo:tag@sha256:…!plugin`. */
  package: string;
  integrity?: string;
  digest?: string;
  /** The version's `backstage.role` (npm only): what the marketplace predicts an apply's work from. */
  role?: string;
}

export interface PinOptions {
  /** Where `.npmrc` is read from (the base config's folder), as for an install. */
  configDir: string;
  env?: NodeJS.ProcessEnv;
  insecureRegistries?: string[];
  timeoutMs?: number;
}

/**
 * Resolves what the marketplace stages on Install: a registry spec (a range or
 * a tag) to its exact version and the integrity the registry publishes; an
 * OCI tag to the digest it points at now. The install then verifies the bytes
 * against that pin, whatever the registry answers later.
 */
export async function pinPackage(spec: string, options: PinOptions): Promise<PinnedPackage> {
  const classified = classifySpec(spec);
  if (classified.type === 'invalid') throw classified.error;
  if (classified.type === 'oci') {
    const ref = classified.reference;
    if (ref.digest) return { package: spec, digest: ref.digest };
    const { OciClient } = await import('./oci/client');
    const client = new OciClient({ insecureRegistries: options.insecureRegistries, env: options.env, timeoutMs: options.timeoutMs });
    const digest = await client.headManifestDigest(ref);
    const image = spec.slice(0, spec.includes('!') ? spec.indexOf('!') : spec.length);
    const plugin = spec.includes('!') ? spec.slice(spec.indexOf('!')) : '';
    return { package: `${image}@${digest}${plugin}`, digest };
  }
  if (classified.type !== 'registry') {
    // Bundled folders and local tarballs are the operator's own files: nothing to pin.
    return { package: spec };
  }
  const pacote = await import('pacote').then(m => (m as any).default ?? m);
  const npm = readNpmSettings(options.configDir, options.env);
  const cache = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-pin-'));
  try {
    const manifest = await pacote.manifest(spec, {
      ...npm.options,
      where: options.configDir,
      ignoreScripts: true,
      // The full manifest: the abbreviated one has no `backstage` field, and
      // the role it carries is what tells a frontend-only apply early.
      fullMetadata: true,
      preferOnline: true,
      cache,
      timeout: options.timeoutMs ?? 30_000,
    });
    if (manifest.name !== classified.name) {
      throw new InstallError(`${spec}: the registry answered with another package (${String(manifest.name)})`, 'INVALID_PACKAGE_MANIFEST');
    }
    const integrity = manifest._integrity ?? manifest.dist?.integrity;
    if (typeof integrity !== 'string' || !/^sha512-/.test(integrity)) {
      throw new InstallError(`${spec}: the registry publishes no sha512 integrity for ${manifest.name}@${manifest.version}`, 'MISSING_INTEGRITY');
    }
    const role = manifest.backstage?.role;
    return { package: `${manifest.name}@${manifest.version}`, integrity, ...(typeof role === 'string' ? { role } : {}) };
  } catch (error) {
    if (error instanceof InstallError) throw error;
    const e = error as { code?: string; statusCode?: number; message?: string };
    const why = e.statusCode === 404 || e.code === 'E404' ? 'not found in the registry' : e.code === 'ETARGET' ? 'no version matches' : (e.message ?? String(error)).split('\n')[0];
    // The message never carries the registry's token: pacote's errors name the package and the URL path only.
    throw new InstallError(`${spec}: ${why}`, 'PIN_FAILED');
  } finally {
    await fs.rm(cache, { recursive: true, force: true });
  }
}
