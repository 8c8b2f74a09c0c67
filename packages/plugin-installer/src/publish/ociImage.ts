import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { InstallError } from '../errors';
import { resolveFrom } from '../files';
import { encodeDynamicPackages, DYNAMIC_PACKAGES_ANNOTATION } from '../oci/annotations';
import { pushImage } from './push';

export interface OciPublishOptions {
  /** `oci://host[:port]/repo:tag` (no `!dir`: the image holds every given plugin). */
  reference: string;
  /** Plugin package folders, relative to `baseDir` unless absolute; each becomes a top-level folder of the image. */
  pluginDirs: string[];
  /** Where relative `pluginDirs` are found (the library never assumes the current folder). */
  baseDir?: string;
  insecureRegistries?: string[];
  /**
   * A PEM private key file (ECDSA P-256): the image is also signed the way
   * `cosign sign --key` does (`sha256-<hex>.sig`), for the installer's trust policy.
   */
  signingKeyFile?: string;
}

/**
 * Publishes plugin packages as one OCI image in RHDH's layout: a single layer
 * holding one folder per plugin, listed in the `io.backstage.dynamic-packages`
 * manifest annotation, so RHDH's installer reads our images and ours reads
 * theirs.
 */
export async function publishOciImage(options: OciPublishOptions): Promise<{ digest: string; plugins: string[]; signature?: { keyid: string; digest: string } }> {
  if (options.reference.includes('!')) {
    throw new InstallError(`${options.reference}: publish to an image, without '!plugin-dir'`, 'INVALID_OCI_REFERENCE');
  }
  // Read before anything is pushed: a bad key must not leave an unsigned image behind.
  const signer = options.signingKeyFile ? await (await import('../trust/sign')).readSigningKey(resolveFrom(options.baseDir, options.signingKeyFile)) : undefined;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-publish-'));
  try {
    const plugins = [];
    for (const dir of options.pluginDirs) {
      const source = resolveFrom(options.baseDir, dir);
      const pkg = JSON.parse(await fs.readFile(path.join(source, 'package.json'), 'utf8').catch(() => 'null'));
      if (!pkg?.name || !pkg?.version) {
        throw new InstallError(`${dir}: not a package folder (no package.json with name and version)`, 'NOT_A_PACKAGE');
      }
      const folder = path.basename(source);
      await fs.cp(source, path.join(work, 'layer', folder), { recursive: true, verbatimSymlinks: true });
      plugins.push({ path: folder, packageInfo: { name: pkg.name, version: pkg.version, backstage: pkg.backstage } });
    }
    const layer = path.join(work, 'layer.tar.gz');
    await tar.create(
      { gzip: true, cwd: path.join(work, 'layer'), file: layer, portable: true },
      plugins.map(p => p.path),
    );
    const digest = await pushImage(options.reference, {
      layers: [{ file: layer }],
      annotations: { [DYNAMIC_PACKAGES_ANNOTATION]: encodeDynamicPackages(plugins) },
      insecureRegistries: options.insecureRegistries,
    });
    if (signer) {
      const { signOciImage } = await import('../trust/sign');
      const { parseOciReference } = await import('../oci/reference');
      const signature = await signOciImage(parseOciReference(options.reference), digest, signer.key, { insecureRegistries: options.insecureRegistries });
      return { digest, plugins: plugins.map(p => p.path), signature: { keyid: signer.keyid, digest: signature } };
    }
    return { digest, plugins: plugins.map(p => p.path) };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
