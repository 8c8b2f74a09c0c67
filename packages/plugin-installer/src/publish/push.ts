import crypto from 'node:crypto';
import fs from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { InstallError } from '../errors';
import { computeDigest } from '../verify/digest';
import { MEDIA_TYPES, type OciDescriptor, type OciPlatform } from '../oci/client';
import { INHERIT_TAG, parseOciReference, type OciReference } from '../oci/reference';
import { apiRepository, describe, RegistryTransport, type OciTransportOptions } from '../oci/transport';

/** One layer to push: a `.tar.gz` file or its bytes. */
export interface PushLayer {
  file?: string;
  data?: Uint8Array;
  /** Default `application/vnd.oci.image.layer.v1.tar+gzip`. */
  mediaType?: string;
  annotations?: Record<string, string>;
}

export type PushOptions = OciTransportOptions & {
  /** Reuse a transport (and its auth tokens) across pushes. */
  transport?: RegistryTransport;
};

export type PushImageOptions = PushOptions & {
  layers: PushLayer[];
  /** Manifest annotations, e.g. `io.backstage.dynamic-packages` (see `encodeDynamicPackages`). */
  annotations?: Record<string, string>;
  /** The config's os/architecture; default linux/amd64. */
  platform?: OciPlatform;
};

export type PushIndexOptions = PushOptions & {
  manifests: Array<OciDescriptor & { platform: OciPlatform }>;
  annotations?: Record<string, string>;
};

interface Blob {
  digest: string;
  size: number;
  /** Body for each attempt. */
  body: () => BodyInit | Promise<BodyInit>;
}

function refOf(ref: OciReference | string): OciReference {
  return typeof ref === 'string' ? parseOciReference(ref) : ref;
}

function transportOf(options: PushOptions): RegistryTransport {
  return options.transport ?? new RegistryTransport(options);
}

/** Where a manifest goes: the tag, or the digest when the reference pins one. */
function targetOf(ref: OciReference): string {
  if (ref.tag === INHERIT_TAG) {
    throw new InstallError(`Cannot push to ${describe(ref)}: ${INHERIT_TAG} is not a tag`, 'INVALID_OCI_REFERENCE');
  }
  const target = ref.tag ?? ref.digest;
  if (!target) throw new InstallError(`Cannot push to ${describe(ref)}: no tag`, 'INVALID_OCI_REFERENCE');
  return target;
}

async function hashFile(file: string, gunzip: boolean): Promise<{ digest: string; size: number; diffId: string }> {
  const hash = crypto.createHash('sha256');
  const diff = crypto.createHash('sha256');
  let size = 0;
  const tee = new PassThrough();
  tee.on('data', (chunk: Buffer) => {
    size += chunk.length;
    hash.update(chunk);
  });
  const sink = new Writable({
    write(chunk, _e, cb) {
      diff.update(chunk);
      cb();
    },
  });
  try {
    if (gunzip) await pipeline(fs.createReadStream(file), tee, zlib.createGunzip(), sink);
    else await pipeline(fs.createReadStream(file), tee, sink);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code?.startsWith('Z_')) {
      throw new InstallError(`Layer ${file} is not a valid .tar.gz`, 'INVALID_LAYER');
    }
    throw error;
  }
  const digest = `sha256:${hash.digest('hex')}`;
  return { digest, size, diffId: gunzip ? `sha256:${diff.digest('hex')}` : digest };
}

async function prepareLayer(layer: PushLayer): Promise<Blob & { mediaType: string; diffId: string; annotations?: Record<string, string> }> {
  const mediaType = layer.mediaType ?? MEDIA_TYPES.ociLayerGzip;
  const gzip = /gzip$/.test(mediaType);
  if (layer.data) {
    const data = Buffer.from(layer.data);
    let diffId = computeDigest(data);
    if (gzip) {
      try {
        diffId = computeDigest(zlib.gunzipSync(data));
      } catch {
        throw new InstallError('Layer data is not a valid .tar.gz', 'INVALID_LAYER');
      }
    }
    return { digest: computeDigest(data), size: data.length, diffId, mediaType, annotations: layer.annotations, body: () => data };
  }
  if (!layer.file) throw new InstallError('A layer needs a file or data', 'INVALID_LAYER');
  const file = layer.file;
  const { digest, size, diffId } = await hashFile(file, gzip);
  return { digest, size, diffId, mediaType, annotations: layer.annotations, body: () => fs.openAsBlob(file) };
}

/** Uploads a blob unless the repository has it: HEAD, then POST + monolithic PUT. */
async function pushBlob(transport: RegistryTransport, ref: OciReference, blob: Blob): Promise<void> {
  const what = `blob ${blob.digest} of ${describe(ref)}`;
  const exists = await transport.request(
    ref,
    { method: 'HEAD', path: `/v2/${apiRepository(ref)}/blobs/${blob.digest}`, actions: 'pull,push', expect: [200, 404], what },
    async res => res.status === 200,
  );
  if (exists) return;
  const location = await transport.request(
    ref,
    { method: 'POST', path: `/v2/${apiRepository(ref)}/blobs/uploads/`, actions: 'pull,push', expect: [202], what: `upload of ${what}` },
    async res => {
      await res.body?.cancel().catch(() => undefined);
      const value = res.headers.get('location');
      if (!value) throw new InstallError(`Registry ${ref.registry} started an upload without a Location`, 'REGISTRY_ERROR');
      return value;
    },
  );
  const url = new URL(location, transport.baseUrl(ref.registry));
  url.searchParams.set('digest', blob.digest);
  await transport.request(
    ref,
    {
      method: 'PUT',
      url: url.toString(),
      headers: { 'content-type': 'application/octet-stream' },
      body: blob.body,
      actions: 'pull,push',
      expect: [201, 204],
      what: `upload of ${what}`,
      timeoutMs: transport.blobTimeoutMs,
      // An upload session does not survive a failed PUT.
      noRetry: true,
    },
    async res => {
      await res.body?.cancel().catch(() => undefined);
    },
  );
}

/** PUTs a manifest (or index) under the reference's tag; returns its digest. */
export async function pushManifest(
  refInput: OciReference | string,
  bytes: Uint8Array,
  mediaType: string,
  options: PushOptions = {},
): Promise<string> {
  const ref = refOf(refInput);
  const transport = transportOf(options);
  const data = Buffer.from(bytes);
  const digest = computeDigest(data);
  if (ref.digest && !ref.tag && ref.digest !== digest) {
    throw new InstallError(`Cannot push to ${describe(ref)}: the manifest's digest is ${digest}`, 'DIGEST_MISMATCH');
  }
  await transport.request(
    ref,
    {
      method: 'PUT',
      path: `/v2/${apiRepository(ref)}/manifests/${targetOf(ref)}`,
      headers: { 'content-type': mediaType },
      body: () => data,
      actions: 'pull,push',
      expect: [200, 201, 204],
      what: `manifest ${describe(ref)}`,
    },
    async res => {
      await res.body?.cancel().catch(() => undefined);
    },
  );
  return digest;
}

/**
 * Pushes an image: its layers, an OCI image config and an OCI image manifest
 * carrying `annotations`, tagged with the reference's tag. The layout RHDH
 * reads is one `.tar.gz` layer whose top-level folders are plugin packages,
 * listed by the `io.backstage.dynamic-packages` annotation. Pushing the same
 * inputs again gives the same digest (the config has no timestamp).
 */
export async function pushImageDescriptor(refInput: OciReference | string, options: PushImageOptions): Promise<OciDescriptor> {
  const ref = refOf(refInput);
  targetOf(ref);
  if (!options.layers?.length) throw new InstallError(`Cannot push ${describe(ref)}: no layers`, 'INVALID_LAYER');
  const transport = transportOf(options);
  const layers = [];
  for (const layer of options.layers) layers.push(await prepareLayer(layer));
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };

  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map(l => l.diffId) },
    }),
  );
  const configBlob: Blob = { digest: computeDigest(config), size: config.length, body: () => config };

  for (const layer of layers) await pushBlob(transport, ref, layer);
  await pushBlob(transport, ref, configBlob);

  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: layers.map(l => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.size,
      ...(l.annotations && Object.keys(l.annotations).length ? { annotations: l.annotations } : {}),
    })),
  };
  if (options.annotations && Object.keys(options.annotations).length) manifest.annotations = options.annotations;
  const bytes = Buffer.from(JSON.stringify(manifest));
  const digest = await pushManifest(ref, bytes, MEDIA_TYPES.ociManifest, { ...options, transport });
  return { mediaType: MEDIA_TYPES.ociManifest, digest, size: bytes.length, platform };
}

/** `pushImageDescriptor`, returning only the manifest digest. */
export async function pushImage(ref: OciReference | string, options: PushImageOptions): Promise<string> {
  return (await pushImageDescriptor(ref, options)).digest;
}

/**
 * Pushes an OCI image index over manifests already in the repository (e.g.
 * from `pushImageDescriptor` with a digest or throw-away tag); returns its digest.
 */
export async function pushIndex(ref: OciReference | string, options: PushIndexOptions): Promise<string> {
  const index: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: options.manifests.map(m => ({ mediaType: m.mediaType, digest: m.digest, size: m.size, platform: m.platform })),
  };
  if (options.annotations && Object.keys(options.annotations).length) index.annotations = options.annotations;
  return pushManifest(ref, Buffer.from(JSON.stringify(index)), MEDIA_TYPES.ociIndex, options);
}
