import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { InstallError } from '../errors';
import { resolveFrom } from '../files';
import { redact } from '../sources/npmrc';

export interface NpmPublishOptions {
  /** A package folder, e.g. the output of `plugin export`; relative to `baseDir` unless absolute. */
  dir: string;
  /** Where a relative `dir` is found (the library never assumes the current folder). */
  baseDir?: string;
  /** The registry URL. */
  registry: string;
  /** npm settings (.npmrc keys: tokens per registry, proxy...). */
  npm: { options: Record<string, unknown>; secrets: string[] };
  /**
   * A PEM private key file (ECDSA P-256): the version document carries a
   * registry-style signature in `dist.signatures` (over
   * `<name>@<version>:<integrity>`). Only a registry that keeps what it is
   * sent serves it (an organisation's own, or DevPortal's test fixture);
   * npmjs.org signs with its own keys instead.
   */
  signingKeyFile?: string;
}

/**
 * Publishes a package folder to an npm registry with npm's registry protocol
 * (the document `npm publish` sends), through npm-registry-fetch so .npmrc
 * authentication applies. Everything in the folder is packed, its
 * `node_modules` included: exported plugins carry their private
 * dependencies (`bundleDependencies`).
 */
export async function publishNpmPackage(options: NpmPublishOptions): Promise<{ name: string; version: string; integrity: string; keyid?: string }> {
  const dir = resolveFrom(options.baseDir, options.dir);
  const manifest = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8').catch(() => 'null'));
  if (!manifest?.name || !manifest?.version) {
    throw new InstallError(`${options.dir}: not a package folder (no package.json with name and version)`, 'NOT_A_PACKAGE');
  }
  const sign = options.signingKeyFile ? await import('../trust/sign') : undefined;
  const signer = sign ? await sign.readSigningKey(resolveFrom(options.baseDir, options.signingKeyFile!)) : undefined;
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-npm-publish-'));
  try {
    await fs.cp(dir, path.join(work, 'package'), { recursive: true, verbatimSymlinks: true });
    const file = path.join(work, 'package.tgz');
    await tar.create({ gzip: true, cwd: work, file, portable: true }, ['package']);
    const tarball = await fs.readFile(file);
    const integrity = `sha512-${crypto.createHash('sha512').update(tarball).digest('base64')}`;
    const registry = options.registry.endsWith('/') ? options.registry : `${options.registry}/`;
    const filename = `${manifest.name.replace(/^@[^/]+\//, '')}-${manifest.version}.tgz`;
    const body = {
      _id: manifest.name,
      name: manifest.name,
      'dist-tags': { latest: manifest.version },
      versions: {
        [manifest.version]: {
          ...manifest,
          _id: `${manifest.name}@${manifest.version}`,
          dist: {
            integrity,
            shasum: crypto.createHash('sha1').update(tarball).digest('hex'),
            tarball: `${registry}${manifest.name}/-/${filename}`,
            ...(signer ? { signatures: [sign!.signNpmVersion(signer.key, manifest.name, manifest.version, integrity)] } : {}),
          },
        },
      },
      _attachments: { [filename]: { content_type: 'application/octet-stream', data: tarball.toString('base64'), length: tarball.length } },
    };
    const npmFetch = (await import('npm-registry-fetch')).default as any;
    await npmFetch(`/${manifest.name.replace('/', '%2f')}`, {
      ...options.npm.options,
      registry,
      method: 'PUT',
      body,
      ignoreBody: true,
    }).catch((error: { statusCode?: number; message: string }) => {
      throw new InstallError(
        redact(`${manifest.name}@${manifest.version}: the registry refused the publish (${error.statusCode ?? error.message.split('\n')[0]})`, options.npm.secrets),
        error.statusCode === 401 || error.statusCode === 403 ? 'REGISTRY_AUTH_FAILED' : 'PUBLISH_FAILED',
      );
    });
    return { name: manifest.name, version: manifest.version, integrity, ...(signer ? { keyid: signer.keyid } : {}) };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}
