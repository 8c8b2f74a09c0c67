import http from 'node:http';
import { HOP_BY_HOP } from './hopByHop';

/**
 * The app's HTML page (`/`), kept by the front door for one backend, so that
 * a page load's first request does not wait its turn behind the API traffic
 * that backend serves. A backend builds that page once, at start (the
 * app-backend injects the frontend config into it then), so it does not
 * change while the backend runs; the copy is still fetched again in the
 * background once it is `ttlMs` old, and a config that changes while the
 * backend runs shows within that time.
 *
 * Only the anonymous page is kept, and only anonymous requests get it: a
 * request with cookies or credentials (the app-backend's protected mode
 * serves another page to a signed-in user) always goes to the backend, and
 * a page that sets a cookie or varies on anything but the encoding is not
 * kept. The copy is fetched uncompressed, so one copy serves every client:
 * the page is a few kilobytes.
 */
export class EntryPageCache {
  private page: CachedPage | undefined;
  private fetching = false;

  constructor(
    private readonly port: number,
    private readonly ttlMs = 5_000,
  ) {}

  /** Answers `req` from the copy; false when it is not for the cache, or there is no copy yet (one is fetched). */
  serve(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (!isAnonymousPageRequest(req)) return false;
    const page = this.page;
    if (!page || Date.now() - page.storedAt > this.ttlMs) this.refresh();
    if (!page) return false;
    const etag = page.headers.etag;
    if (etag !== undefined && req.headers['if-none-match'] === etag) {
      const { 'content-length': _length, ...headers } = page.headers;
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, page.headers);
    res.end(req.method === 'HEAD' ? undefined : page.body);
    return true;
  }

  /** Fetches the page from the backend, as an anonymous browser would, uncompressed; keeps it if it may be kept. */
  private refresh(): void {
    if (this.fetching) return;
    this.fetching = true;
    const done = (page?: CachedPage) => {
      this.fetching = false;
      // A page that may no longer be kept (the backend now sets a cookie) is not served from an old copy either.
      this.page = page;
    };
    const request = http.get(
      { host: '127.0.0.1', port: this.port, path: '/', agent: false, headers: { accept: 'text/html', 'accept-encoding': 'identity' } },
      res => {
        const headers = keptHeaders(res);
        if (!headers) {
          res.resume();
          done();
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_PAGE_BYTES) res.destroy();
          else chunks.push(chunk);
        });
        res.once('end', () => {
          const body = Buffer.concat(chunks);
          done({ headers: { ...headers, 'content-length': body.length }, body, storedAt: Date.now() });
        });
        res.once('error', () => done());
        res.once('close', () => {
          if (this.fetching) done();
        });
      },
    );
    request.once('error', () => done());
    request.setTimeout(30_000, () => request.destroy());
  }
}

interface CachedPage {
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  storedAt: number;
}

/** An HTML page is a few kilobytes; anything much larger is not the app's page. */
const MAX_PAGE_BYTES = 1024 * 1024;

/** Hop-by-hop headers (RFC 9110 7.6.1), and the time of the backend's answer: never replayed. */
const NOT_KEPT = new Set([...HOP_BY_HOP, 'date', 'content-length']);

/** The headers to answer with, or undefined when the page must not be kept. */
function keptHeaders(res: http.IncomingMessage): http.OutgoingHttpHeaders | undefined {
  const headers = res.headers;
  if (res.statusCode !== 200 || headers['set-cookie'] !== undefined) return undefined;
  if (!String(headers['content-type'] ?? '').startsWith('text/html')) return undefined;
  if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return undefined;
  const vary = String(headers.vary ?? '')
    .split(',')
    .map(name => name.trim().toLowerCase())
    .filter(name => name !== '' && name !== 'accept-encoding');
  if (vary.length > 0) return undefined;
  const kept: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!NOT_KEPT.has(name) && value !== undefined) kept[name] = value;
  }
  return kept;
}

/** The app's page, without a query, asked for by a client that sends no cookies or credentials. */
function isAnonymousPageRequest(req: http.IncomingMessage): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (req.url === '/' || req.url === '/index.html') &&
    req.headers.cookie === undefined &&
    req.headers.authorization === undefined
  );
}
