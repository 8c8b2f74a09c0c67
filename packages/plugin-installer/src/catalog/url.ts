import { isLoopbackHost } from '../oci/transport';
import { readEntryList } from './local';
import { decodeUtf8 } from './yaml';
import type { CatalogReadResult } from './types';

/** Redirects followed, each checked like the first URL. */
const MAX_REDIRECTS = 3;

/** A URL without credentials or query (which may hold a token), for messages. */
export function safeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return url.replace(/[?#].*$/, '').replace(/\/\/[^/@]*@/, '//');
  }
}

class UrlError extends Error {}

/**
 * HTTPS anywhere; plain HTTP only to loopback, where nobody on the network
 * can change the catalog on its way (a catalog decides what the admin
 * installs, and a pinned integrity is only as good as the file naming it).
 */
function checkUrl(url: string, shown: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UrlError(`${shown}: not a valid URL`);
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.host)) return parsed;
  if (parsed.protocol === 'http:') throw new UrlError(`${shown}: plain HTTP is only allowed to loopback; use https://`);
  throw new UrlError(`${shown}: only https:// (or http:// to loopback) URLs are read`);
}

/** Fetches a catalog list over HTTP(S): bounded in time and size, every problem one line naming the URL. */
export async function readCatalogUrl(url: string, options: { timeoutMs: number; maxBytes: number }): Promise<CatalogReadResult> {
  const shown = safeUrl(url);
  try {
    const text = await fetchText(url, shown, options);
    return await readEntryList(text, shown, shown, undefined, options.maxBytes);
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { entries: [], errors: [message.startsWith(shown) ? message : `${shown}: ${message}`] };
  }
}

async function fetchText(url: string, shown: string, options: { timeoutMs: number; maxBytes: number }): Promise<string> {
  let current = url;
  // One deadline for the whole exchange, redirects and body included.
  const signal = AbortSignal.timeout(options.timeoutMs);
  for (let hop = 0; ; hop++) {
    const target = checkUrl(current, safeUrl(current));
    let response: Response;
    try {
      response = await fetch(target, { redirect: 'manual', signal, headers: { accept: 'application/yaml, text/yaml, text/plain, */*' } });
    } catch (error) {
      throw new UrlError(`${shown}: ${describeFetchError(error, options.timeoutMs)}`);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      await response.body?.cancel().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new UrlError(`${shown}: more than ${MAX_REDIRECTS} redirects`);
      current = new URL(response.headers.get('location')!, target).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new UrlError(`${shown}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
    }
    return readBody(response, shown, options, signal);
  }
}

async function readBody(response: Response, shown: string, options: { timeoutMs: number; maxBytes: number }, signal: AbortSignal): Promise<string> {
  const tooLarge = () => new UrlError(`${shown}: the catalog is larger than the ${options.maxBytes} bytes allowed`);
  const length = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(length) && length > options.maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      // Counted as it arrives: a server may send more than its Content-Length said, or none.
      if (size > options.maxBytes) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    if (error instanceof UrlError) throw error;
    throw new UrlError(`${shown}: ${signal.aborted ? `no complete answer within ${options.timeoutMs} ms` : describeFetchError(error, options.timeoutMs)}`);
  }
  return decodeUtf8(Buffer.concat(chunks), shown);
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `cannot fetch it (${cause})` : `cannot fetch it (${e?.message ?? String(error)})`;
}
