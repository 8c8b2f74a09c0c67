import { Readable } from 'node:stream';
import { InstallError } from '../errors';

/**
 * How much a registry may make the installer download for one image. A
 * registry is not trusted: every size it declares (Content-Length, a
 * descriptor's `size`) is checked first so that an oversized download is
 * refused before it starts, and the bytes are counted again while they
 * stream, so that a registry lying about a size is stopped at the limit.
 */
export interface OciLimits {
  /** Most layers in one image manifest (`OCI_TOO_MANY_LAYERS`). */
  maxLayers: number;
  /** Largest layer blob (`BLOB_TOO_LARGE`). */
  maxLayerBytes: number;
  /** Largest sum of one image's layers (`OCI_IMAGE_TOO_LARGE`). */
  maxImageBytes: number;
  /** Largest manifest or index document (`OCI_MANIFEST_TOO_LARGE`). */
  maxManifestBytes: number;
}

export const DEFAULT_OCI_LIMITS: Readonly<OciLimits> = Object.freeze({
  // Plugin images have a handful of layers; 64 leaves room for images built
  // one COPY per plugin, and still bounds the requests one manifest causes.
  maxLayers: 64,
  maxLayerBytes: 500_000_000,
  maxImageBytes: 1_000_000_000,
  // The OCI distribution spec's recommended registry limit for manifests.
  maxManifestBytes: 4 * 1024 * 1024,
});

/** `limits` over the defaults; a limit that is not a positive integer is an `INVALID_OPTIONS`. */
export function ociLimits(limits: Partial<OciLimits> = {}): OciLimits {
  const out = { ...DEFAULT_OCI_LIMITS };
  for (const [name, value] of Object.entries(limits) as Array<[keyof OciLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new InstallError(`OCI limit ${name} must be a positive whole number, not ${String(value)}`, 'INVALID_OPTIONS');
    }
    out[name] = value;
  }
  return out;
}

export function manifestTooLarge(what: string, size: string, limit: number): InstallError {
  return new InstallError(`${what} is ${size} bytes, over the limit of ${limit} bytes for a manifest`, 'OCI_MANIFEST_TOO_LARGE');
}

/**
 * Reads a response body of at most `maxBytes`: a Content-Length over it is
 * refused before reading, and the read stops (the connection is closed) as
 * soon as the bytes that arrived pass it, whatever the header said.
 */
export async function readCapped(res: Response, maxBytes: number, tooLarge: (size: string) => Error): Promise<Buffer> {
  const length = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(String(length));
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop by a throw destroys the stream, which cancels the body.
  for await (const chunk of Readable.fromWeb(res.body as any)) {
    size += chunk.length;
    if (size > maxBytes) throw tooLarge(`more than ${maxBytes}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function checkLayerCount(what: string, count: number, limits: OciLimits): void {
  if (count > limits.maxLayers) {
    throw new InstallError(`${what} has ${count} layers, over the limit of ${limits.maxLayers}`, 'OCI_TOO_MANY_LAYERS');
  }
}

/**
 * The image-wide limits, on the sizes the manifest declares: checked before
 * any layer is downloaded. `fetchBlob` then holds each layer to its declared
 * size, so the declared total also bounds what is written.
 */
export function checkImageLimits(
  what: string,
  layers: ReadonlyArray<{ digest: string; size: number }>,
  limits: OciLimits,
): void {
  checkLayerCount(what, layers.length, limits);
  let total = 0;
  for (const layer of layers) {
    if (layer.size > limits.maxLayerBytes) {
      throw new InstallError(
        `${what}: layer ${layer.digest} is ${layer.size} bytes, over the limit of ${limits.maxLayerBytes} bytes for a layer`,
        'BLOB_TOO_LARGE',
      );
    }
    total += layer.size;
  }
  if (total > limits.maxImageBytes) {
    throw new InstallError(
      `${what}: its ${layers.length} layers are ${total} bytes, over the limit of ${limits.maxImageBytes} bytes for an image`,
      'OCI_IMAGE_TOO_LARGE',
    );
  }
}
