import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InstallError } from '../errors';
import { computeDigest, createDigestChecker, parseDigest } from '../verify/digest';
import { DEFAULT_OCI_LIMITS, manifestTooLarge, ociLimits, readCapped, type OciLimits } from './limits';
import {
  assertVerifiableDigest,
  checkAnnotations,
  IMAGE_TYPES,
  MANIFEST_ACCEPT,
  MEDIA_TYPES,
  manifestInvalid,
  parseManifest,
  type OciDescriptor,
  type OciImageManifest,
  type OciIndex,
  type OciPlatform,
  type RawManifest,
} from './manifest';
import { INHERIT_TAG, parseOciReference, type OciReference } from './reference';
import { apiRepository, describe, RegistryTransport, type OciTransportOptions } from './transport';

export { choosePluginPath, decodeDynamicPackages, encodeDynamicPackages, DYNAMIC_PACKAGES_ANNOTATION } from './annotations';
export type { ImagePlugin } from './annotations';
export { MEDIA_TYPES };
export type { OciDescriptor, OciImageManifest, OciIndex, OciPlatform };

/** Manifests larger than this are refused unless `limits.maxManifestBytes` says otherwise. */
export const MAX_MANIFEST_BYTES = DEFAULT_OCI_LIMITS.maxManifestBytes;
/** Default `maxBytes` of `fetchBlob` (`limits.maxLayerBytes`). */
export const DEFAULT_MAX_BLOB_BYTES = DEFAULT_OCI_LIMITS.maxLayerBytes;

export interface PulledManifest {
  /** Digest of the image manifest actually used (the platform's one for an index). */
  digest: string;
  /**
   * Digest of what the reference points at: the index for a multi-platform
   * image, else the same as `digest`. This is what `headManifestDigest`
   * returns, so compare the two for `pullPolicy: Always`.
   */
  resolvedDigest: string;
  mediaType: string;
  manifest: OciImageManifest;
  /** The index's annotations overlaid with the image manifest's. */
  annotations: Record<string, string>;
  config: OciDescriptor;
  layers: OciDescriptor[];
  /** The platform picked from an index. */
  platform?: OciPlatform;
}

export interface GetManifestOptions {
  /** `{ os, architecture, variant? }` or `os/arch[/variant]`; default `linux/amd64`. */
  platform?: OciPlatform | string;
}

export interface FetchBlobOptions {
  /** Refuse blobs larger than this (`BLOB_TOO_LARGE`). Default: the client's `limits.maxLayerBytes`. */
  maxBytes?: number;
  /** The size the manifest gives; more or fewer bytes is a `DIGEST_MISMATCH`. */
  expectedSize?: number;
}

export interface FetchedBlob {
  file: string;
  digest: string;
  size: number;
}

export type OciClientOptions = OciTransportOptions & {
  /** Default platform for indexes. */
  platform?: OciPlatform | string;
  /** Caps on what one image may make the client download (`limits.ts`); each defaults to `DEFAULT_OCI_LIMITS`. */
  limits?: Partial<OciLimits>;
};

export const DEFAULT_PLATFORM: OciPlatform = { os: 'linux', architecture: 'amd64' };

/** `linux/arm64/v8` → `{ os, architecture, variant }` */
export function parsePlatform(platform: OciPlatform | string | undefined): OciPlatform {
  if (!platform) return DEFAULT_PLATFORM;
  if (typeof platform !== 'string') return platform;
  const [os, architecture, variant] = platform.split('/');
  if (!os || !architecture) {
    throw new InstallError(`Invalid platform '${platform}': expected os/architecture[/variant]`, 'INVALID_PLATFORM');
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

function formatPlatform(p: OciPlatform | undefined): string {
  if (!p) return 'unknown';
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function asRef(ref: OciReference | string): OciReference {
  return typeof ref === 'string' ? parseOciReference(ref) : ref;
}

/**
 * A client of the OCI distribution API (registries such as quay.io, ghcr.io,
 * Docker Hub, distribution): manifests and indexes, auth, blobs. Talks HTTP
 * directly; needs neither skopeo nor docker.
 */
export class OciClient {
  readonly transport: RegistryTransport;
  readonly limits: OciLimits;
  private readonly platform: OciPlatform;

  constructor(options: OciClientOptions = {}) {
    this.transport = new RegistryTransport(options);
    this.platform = parsePlatform(options.platform);
    this.limits = ociLimits(options.limits);
  }

  /**
   * Fetches the image manifest of `ref`: follows an index to the manifest of
   * the platform (default `linux/amd64`), verifies every manifest against the
   * digest that names it (the reference's pinned digest, the index entry).
   */
  async getManifest(refInput: OciReference | string, options: GetManifestOptions = {}): Promise<PulledManifest> {
    const ref = asRef(refInput);
    const what = `manifest ${describe(ref)}`;
    const top = await this.fetchManifest(ref, this.referenceOf(ref), ref.digest, what);
    const parsed = parseManifest(top, what, this.limits);

    if ('manifests' in parsed) {
      const index = parsed as OciIndex;
      const wanted = options.platform ? parsePlatform(options.platform) : this.platform;
      const entry = this.choosePlatform(index, wanted, describe(ref));
      const childWhat = `manifest ${describe(ref)} (${formatPlatform(entry.platform)})`;
      // The index says how big the manifest is: refused before it is asked for.
      if (entry.size > this.limits.maxManifestBytes) {
        throw manifestTooLarge(childWhat, String(entry.size), this.limits.maxManifestBytes);
      }
      const child = await this.fetchManifest(ref, entry.digest, entry.digest, childWhat);
      if (child.bytes.length !== entry.size) {
        throw new InstallError(
          `${childWhat} is ${child.bytes.length} bytes, the index says ${entry.size}`,
          'DIGEST_MISMATCH',
        );
      }
      const image = parseManifest(child, childWhat, this.limits);
      if ('manifests' in image) manifestInvalid(childWhat, 'an index inside an index is not supported');
      const manifest = image as OciImageManifest;
      return {
        digest: child.digest,
        resolvedDigest: top.digest,
        mediaType: manifest.mediaType ?? child.contentType ?? MEDIA_TYPES.ociManifest,
        manifest,
        annotations: { ...checkAnnotations(index.annotations), ...checkAnnotations(manifest.annotations) },
        config: manifest.config,
        layers: manifest.layers,
        platform: entry.platform,
      };
    }
    const manifest = parsed as OciImageManifest;
    return {
      digest: top.digest,
      resolvedDigest: top.digest,
      mediaType: manifest.mediaType ?? top.contentType ?? MEDIA_TYPES.ociManifest,
      manifest,
      annotations: checkAnnotations(manifest.annotations),
      config: manifest.config,
      layers: manifest.layers,
    };
  }

  /**
   * The digest the reference points at now (for `pullPolicy: Always`): a
   * HEAD request's `Docker-Content-Digest`, or the sha256 of the manifest
   * when the registry does not send it. For a multi-platform image this is
   * the index digest, like `PulledManifest.resolvedDigest`.
   */
  async headManifestDigest(refInput: OciReference | string): Promise<string> {
    const ref = asRef(refInput);
    const what = `manifest ${describe(ref)}`;
    const header = await this.transport.request(
      ref,
      {
        method: 'HEAD',
        path: `/v2/${apiRepository(ref)}/manifests/${this.referenceOf(ref)}`,
        headers: { accept: MANIFEST_ACCEPT },
        actions: 'pull',
        expect: [200],
        what,
      },
      async res => res.headers.get('docker-content-digest') ?? undefined,
    );
    if (header && /^sha256:[a-f0-9]{64}$/.test(header)) {
      if (ref.digest && ref.digest.startsWith('sha256:') && header !== ref.digest) {
        throw new InstallError(`${what}: the registry reports digest ${header}`, 'DIGEST_MISMATCH');
      }
      return ref.digest ?? header;
    }
    const raw = await this.fetchManifest(ref, this.referenceOf(ref), ref.digest, what);
    return raw.digest;
  }

  /**
   * Streams blob `digest` of `ref`'s repository to `destFile` while hashing
   * it. A digest mismatch (`DIGEST_MISMATCH`) or a blob over `maxBytes`
   * (`BLOB_TOO_LARGE`) deletes the partial file and throws.
   */
  async fetchBlob(
    refInput: OciReference | string,
    digest: string,
    destFile: string,
    options: FetchBlobOptions = {},
  ): Promise<FetchedBlob> {
    const ref = asRef(refInput);
    const what = `blob ${digest} of ${describe(ref)}`;
    assertVerifiableDigest(digest, what);
    const maxBytes = options.maxBytes ?? this.limits.maxLayerBytes;
    const tooLarge = (size: number | string) =>
      new InstallError(`${what} is ${size} bytes, over the limit of ${maxBytes} bytes`, 'BLOB_TOO_LARGE');
    if (options.expectedSize !== undefined && options.expectedSize > maxBytes) throw tooLarge(options.expectedSize);

    let idle: AbortController | undefined;
    let idleTimer: NodeJS.Timeout | undefined;
    const idleMs = this.transport.timeoutMs;
    const touch = () => {
      if (idleTimer) clearTimeout(idleTimer);
      const controller = idle;
      idleTimer = setTimeout(() => controller?.abort(), idleMs);
    };
    try {
      return await this.transport.request(
        ref,
        {
          method: 'GET',
          path: `/v2/${apiRepository(ref)}/blobs/${digest}`,
          actions: 'pull',
          expect: [200],
          what,
          timeoutMs: this.transport.blobTimeoutMs,
          signal: () => {
            idle = new AbortController();
            touch();
            return idle.signal;
          },
        },
        async res => {
          const length = Number(res.headers.get('content-length') ?? NaN);
          if (Number.isFinite(length) && length > maxBytes) {
            await res.body?.cancel().catch(() => undefined);
            throw tooLarge(length);
          }
          if (!res.body) throw new InstallError(`${what}: empty response`, 'REGISTRY_ERROR');
          const checker = createDigestChecker(digest);
          let size = 0;
          const limit = options.expectedSize !== undefined ? Math.min(maxBytes, options.expectedSize) : maxBytes;
          const counter = new Transform({
            transform(chunk: Buffer, _encoding, callback) {
              touch();
              size += chunk.length;
              if (size > limit) {
                callback(
                  size > maxBytes
                    ? tooLarge(`more than ${maxBytes}`)
                    : new InstallError(`${what} is larger than the ${options.expectedSize} bytes its manifest says`, 'DIGEST_MISMATCH'),
                );
                return;
              }
              checker.update(chunk);
              callback(null, chunk);
            },
          });
          await pipeline(Readable.fromWeb(res.body as any), counter, fs.createWriteStream(destFile));
          const actual = checker.digest();
          if (actual !== digest) {
            throw new InstallError(`${what} does not match its digest: got ${actual} (${size} bytes)`, 'DIGEST_MISMATCH');
          }
          if (options.expectedSize !== undefined && size !== options.expectedSize) {
            throw new InstallError(`${what} is ${size} bytes, its manifest says ${options.expectedSize}`, 'DIGEST_MISMATCH');
          }
          return { file: destFile, digest, size };
        },
      );
    } catch (error) {
      await fs.promises.rm(destFile, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      if (idleTimer) clearTimeout(idleTimer);
    }
  }

  private referenceOf(ref: OciReference): string {
    if (ref.digest) return ref.digest;
    if (ref.tag === INHERIT_TAG) {
      throw new InstallError(
        `OCI reference ${describe(ref)} still has the tag ${INHERIT_TAG}: it must be resolved from an included configuration first`,
        'UNRESOLVED_INHERIT',
      );
    }
    if (!ref.tag) throw new InstallError(`OCI reference ${describe(ref)} has neither tag nor digest`, 'INVALID_OCI_REFERENCE');
    return ref.tag;
  }

  /** GETs a manifest's bytes (bounded) and checks them against `expected` when given. */
  private async fetchManifest(
    ref: OciReference,
    reference: string,
    expected: string | undefined,
    what: string,
  ): Promise<RawManifest> {
    if (expected) assertVerifiableDigest(expected, what);
    return this.transport.request(
      ref,
      {
        method: 'GET',
        path: `/v2/${apiRepository(ref)}/manifests/${reference}`,
        headers: { accept: MANIFEST_ACCEPT },
        actions: 'pull',
        expect: [200],
        what,
      },
      async res => {
        const max = this.limits.maxManifestBytes;
        const bytes = await readCapped(res, max, size => manifestTooLarge(what, size, max));
        const digest = computeDigest(bytes, expected ? parseDigest(expected).algorithm : 'sha256');
        if (expected && digest !== expected) {
          throw new InstallError(`${what} does not match its digest ${expected}: got ${digest}`, 'DIGEST_MISMATCH');
        }
        const contentType = res.headers.get('content-type')?.split(';')[0].trim() || undefined;
        return { bytes, contentType, digest };
      },
    );
  }

  private choosePlatform(index: OciIndex, wanted: OciPlatform, image: string): OciDescriptor {
    const matches = index.manifests.filter(
      d =>
        d.platform &&
        d.platform.os === wanted.os &&
        d.platform.architecture === wanted.architecture &&
        (!wanted.variant || d.platform.variant === wanted.variant) &&
        IMAGE_TYPES.has(d.mediaType),
    );
    if (matches.length === 0) {
      const available = index.manifests
        .filter(d => d.platform && d.platform.os !== 'unknown')
        .map(d => formatPlatform(d.platform));
      throw new InstallError(
        `Image ${image} has no ${formatPlatform(wanted)} manifest (it has ${available.length ? available.join(', ') : 'none'})`,
        'NO_MATCHING_PLATFORM',
      );
    }
    return matches[0];
  }
}
