import { InstallError } from '../errors';
import { isVerifiableDigest } from '../verify/digest';
import { checkImageLimits, checkLayerCount, type OciLimits } from './limits';
import { isDigest } from './reference';

/*
 * The documents of the OCI distribution API as the client reads them: media
 * types, manifests and indexes, and the checks a registry's answer must pass
 * before any digest in it is used in a URL or trusted.
 */

export const MEDIA_TYPES = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

export const MANIFEST_ACCEPT = [
  MEDIA_TYPES.ociManifest,
  MEDIA_TYPES.ociIndex,
  MEDIA_TYPES.dockerManifest,
  MEDIA_TYPES.dockerManifestList,
].join(', ');

export const INDEX_TYPES = new Set<string>([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerManifestList]);
export const IMAGE_TYPES = new Set<string>([MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]);

export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: OciPlatform;
  artifactType?: string;
  urls?: string[];
}

export interface OciImageManifest {
  schemaVersion: number;
  mediaType?: string;
  artifactType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

export interface OciIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: OciDescriptor[];
  annotations?: Record<string, string>;
}

export function manifestInvalid(what: string, reason: string): never {
  throw new InstallError(`Invalid ${what}: ${reason}`, 'MANIFEST_INVALID');
}

/**
 * Checks that a digest read from a manifest or a reference is one we can
 * verify before it is used in a URL or trusted: a well-formed digest of
 * another algorithm (blake3) is `UNSUPPORTED_DIGEST_ALGORITHM`, anything
 * else `MANIFEST_INVALID`.
 */
export function assertVerifiableDigest(digest: unknown, where: string): asserts digest is string {
  if (isVerifiableDigest(digest)) return;
  if (isDigest(digest)) {
    throw new InstallError(
      `${where}: digest algorithm '${digest.split(':')[0]}' is not supported (use sha256 or sha512)`,
      'UNSUPPORTED_DIGEST_ALGORITHM',
    );
  }
  throw new InstallError(`${where}: '${String(digest).slice(0, 140)}' is not a valid digest`, 'MANIFEST_INVALID');
}

function checkDescriptor(d: unknown, what: string, field: string): OciDescriptor {
  if (!d || typeof d !== 'object') manifestInvalid(what, `${field} is not a descriptor`);
  const desc = d as OciDescriptor;
  if (typeof desc.mediaType !== 'string') manifestInvalid(what, `${field} has no mediaType`);
  if (!Number.isSafeInteger(desc.size) || desc.size < 0) manifestInvalid(what, `${field} has an invalid size`);
  assertVerifiableDigest(desc.digest, `${what} ${field}`);
  return desc;
}

export function checkAnnotations(value: unknown): Record<string, string> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export interface RawManifest {
  bytes: Buffer;
  contentType: string | undefined;
  digest: string;
}

/** Parses and checks a manifest or index: its shape, every descriptor, and (for an image) the limits. */
export function parseManifest(raw: RawManifest, what: string, limits: OciLimits): OciImageManifest | OciIndex {
  let json: any;
  try {
    json = JSON.parse(raw.bytes.toString('utf8'));
  } catch {
    return manifestInvalid(what, 'not JSON');
  }
  if (!json || typeof json !== 'object') manifestInvalid(what, 'not a JSON object');
  if (json.schemaVersion !== 2) {
    manifestInvalid(what, `schemaVersion ${JSON.stringify(json.schemaVersion)} is not supported (only 2)`);
  }
  const mediaType: string | undefined =
    typeof json.mediaType === 'string' ? json.mediaType : raw.contentType;
  const isIndex = mediaType ? INDEX_TYPES.has(mediaType) : Array.isArray(json.manifests);
  const isImage = mediaType ? IMAGE_TYPES.has(mediaType) : Array.isArray(json.layers);
  if (isIndex) {
    if (!Array.isArray(json.manifests)) manifestInvalid(what, 'an index without manifests');
    json.manifests.forEach((d: unknown, i: number) => checkDescriptor(d, what, `manifests[${i}]`));
    return json as OciIndex;
  }
  if (!isImage) manifestInvalid(what, `media type ${mediaType ?? 'unknown'} is not an image manifest or index`);
  checkDescriptor(json.config, what, 'config');
  if (!Array.isArray(json.layers)) manifestInvalid(what, 'no layers');
  // The count first: a manifest within its byte limit still holds ~30 000 descriptors.
  checkLayerCount(what, json.layers.length, limits);
  json.layers.forEach((d: unknown, i: number) => checkDescriptor(d, what, `layers[${i}]`));
  checkImageLimits(what, json.layers, limits);
  return json as OciImageManifest;
}
