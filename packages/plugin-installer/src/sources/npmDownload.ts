import fs from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InstallError } from '../errors';

export interface RemoteTarballOptions {
  /** The largest tarball accepted, in bytes (`NPM_TARBALL_TOO_LARGE`). */
  maxBytes: number;
  /** npm-registry-fetch options (`.npmrc` auth, registry, timeout, retry). */
  npmOptions: Record<string, unknown>;
  /** Names the package in messages. */
  what: string;
}

/**
 * Downloads an npm tarball from an http(s) URL into `file`, without reading
 * anything inside it. pacote has no size limit and, once its stream is
 * abandoned, keeps the connection open; this fetches with npm's own
 * npm-registry-fetch (same `.npmrc` auth) and stops the download as soon as
 * the registry declares or sends more than `maxBytes`.
 */
export async function downloadRemoteTarball(url: string, file: string, options: RemoteTarballOptions): Promise<void> {
  const { maxBytes, what } = options;
  const fetch = ((m: any) => m.default ?? m)(await import('npm-registry-fetch')) as typeof import('npm-registry-fetch');
  const tooLarge = (size: string) =>
    new InstallError(
      `${what}: the tarball is ${size} bytes, over the limit of ${maxBytes} bytes for an npm tarball (raise it with --max-npm-tarball-size)`,
      'NPM_TARBALL_TOO_LARGE',
    );
  const controller = new AbortController();
  // Never into npm's cache: what is verified next is what was downloaded.
  const res = await fetch(replaceRegistryHost(url, options.npmOptions), {
    ...options.npmOptions,
    cache: undefined,
    signal: controller.signal,
  });
  try {
    const length = Number(res.headers.get('content-length') ?? NaN);
    if (Number.isFinite(length) && length > maxBytes) throw tooLarge(String(length));
    let size = 0;
    let over: InstallError | undefined;
    // Counts what arrives, whatever Content-Length said (or when it is absent).
    const counter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size <= maxBytes) return void callback(null, chunk);
        // At once: pipeline settles only when the body closes, and a
        // minipass body keeps reading until the connection is gone.
        over = tooLarge(`more than ${maxBytes}`);
        controller.abort();
        callback(over);
      },
    });
    // Pulled chunk by chunk: piped, the minipass body reads ahead of the
    // file without bound, and the cap would be seen only after it.
    const body = res.body as unknown as AsyncIterable<Buffer>;
    const pull = async function* () {
      for await (const chunk of body) yield chunk;
    };
    await pipeline(pull, counter, fs.createWriteStream(file)).catch(error => {
      // The abort's own error may settle the pipeline first.
      throw over ?? error;
    });
  } catch (error) {
    // Closes the connection: an oversized body is not read to its end.
    controller.abort();
    await fs.promises.rm(file, { force: true });
    throw error;
  }
}

/**
 * As pacote does (its `replaceRegistryHost`, default `registry.npmjs.org`):
 * a packument of a mirror that points at registry.npmjs.org is fetched from
 * the configured registry, so that a mirror keeps working offline.
 */
function replaceRegistryHost(url: string, npmOptions: Record<string, unknown>): string {
  const registry = typeof npmOptions.registry === 'string' ? npmOptions.registry : undefined;
  const setting = npmOptions.replaceRegistryHost;
  const host = !setting || setting === 'npmjs' ? 'registry.npmjs.org' : String(setting);
  if (!registry || host === 'never') return url;
  const parsed = new URL(url);
  if (host !== 'always' && parsed.host !== host) return url;
  return new URL(parsed.pathname, registry).href;
}
