import http from 'node:http';
import type net from 'node:net';
import zlib from 'node:zlib';
import { EntryPageCache } from './entryPageCache';
import type { FrontDoor } from './frontDoor';
import { listeningFrontDoor } from './frontDoorTesting';

/** What the backend answers for `/` (any method); everything else gets a plain-text answer naming the request. */
interface Page {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: string;
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

const HTML = '<!doctype html><html><head><title>DevPortal</title></head><body><div id="root"></div></body></html>';

function htmlPage(body = HTML, headers: http.OutgoingHttpHeaders = {}): Page {
  return {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store, max-age=0',
      'content-security-policy': "default-src 'self'; script-src 'self' 'nonce-abc'",
      'x-devportal-page': 'entry',
      etag: 'W/"page-1"',
      vary: 'Accept-Encoding',
      ...headers,
    },
    body,
  };
}

/**
 * A backend that records every request. A request the front door forwarded
 * carries x-forwarded-for; the cache's own fetch of the page does not, so
 * the two are told apart. The page is gzipped for a client that accepts it,
 * as the app-backend's compression does.
 */
async function pageBackend() {
  const seen: Seen[] = [];
  const state = { page: htmlPage() };
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== '/' && pathname !== '/index.html') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`backend ${req.method} ${req.url}`);
      return;
    }
    const { status, headers, body } = state.page;
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const bytes = gzip ? zlib.gzipSync(body) : Buffer.from(body);
    res.writeHead(status, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': bytes.length });
    res.end(req.method === 'HEAD' ? undefined : bytes);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    seen,
    state,
    /** Requests the front door forwarded to `url` (path with query). */
    forwarded: (url: string, method?: string) =>
      seen.filter(r => r.headers['x-forwarded-for'] !== undefined && r.url === url && (!method || r.method === method)).length,
    /** Every forwarded request, whatever its path. */
    forwardedAll: () => seen.filter(r => r.headers['x-forwarded-for'] !== undefined).length,
    /** The cache's own fetches of the page. */
    fetches: () => seen.filter(r => r.headers['x-forwarded-for'] === undefined),
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

type Backend = Awaited<ReturnType<typeof pageBackend>>;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Decoded when the answer is gzipped. */
  body: string;
  /** Whether the body came gzipped. */
  gzipped: boolean;
}

function send(port: number, method: string, urlPath: string, headers: http.OutgoingHttpHeaders = {}, body?: string) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers, agent: false }, res => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('end', () => {
        const raw = Buffer.concat(chunks);
        const gzipped = res.headers['content-encoding'] === 'gzip';
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: (gzipped ? zlib.gunzipSync(raw) : raw).toString('utf8'),
          gzipped,
        });
      });
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, deadlineMs = 10_000): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await sleep(20);
  }
}

/**
 * Sends anonymous GET / until one is answered without reaching the backend,
 * i.e. from the front door's copy; returns that answer. The first request is
 * forwarded (there is no copy yet) and starts the cache's fetch.
 */
async function untilServedFromCopy(port: number, backend: Backend, headers: http.OutgoingHttpHeaders = {}): Promise<Answer> {
  return until('the page answered from the copy', async () => {
    const before = backend.forwarded('/');
    const answer = await send(port, 'GET', '/', headers);
    return backend.forwarded('/') === before ? answer : undefined;
  });
}

/**
 * For a page that must not be kept: sends anonymous GET / until the cache
 * fetched the page twice. The cache fetches again only when it has no copy,
 * so a second fetch proves the first one's answer was not kept. Every
 * request meanwhile must have reached the backend.
 */
async function untilFetchedTwice(port: number, backend: Backend): Promise<void> {
  await until('a second fetch by the cache', async () => {
    const before = backend.forwarded('/');
    await send(port, 'GET', '/');
    expect(backend.forwarded('/')).toBe(before + 1);
    return backend.fetches().length >= 2 ? true : undefined;
  });
}

describe('EntryPageCache behind the FrontDoor', () => {
  let backend: Backend;
  let door: FrontDoor;
  let port: number;

  beforeEach(async () => {
    backend = await pageBackend();
    ({ door, port } = await listeningFrontDoor({ name: 'backend 1', port: backend.port }));
  });

  afterEach(async () => {
    await door.close();
    await backend.close();
  });

  it('forwards the first anonymous page request and fetches the page itself, uncompressed and without credentials', async () => {
    const first = await send(port, 'GET', '/', { 'accept-encoding': 'gzip' });
    expect(first).toMatchObject({ status: 200, body: HTML, gzipped: true });
    expect(backend.forwarded('/')).toBe(1);
    const [fetch] = await until('the cache fetched the page', () => (backend.fetches().length > 0 ? backend.fetches() : undefined));
    expect(fetch).toMatchObject({ method: 'GET', url: '/' });
    expect(fetch.headers['accept-encoding']).toBe('identity');
    expect(fetch.headers.cookie).toBeUndefined();
    expect(fetch.headers.authorization).toBeUndefined();
  });

  it('answers anonymous GET / and /index.html from its copy, with the backend headers, uncompressed even for a gzip client', async () => {
    const copy = await untilServedFromCopy(port, backend, { 'accept-encoding': 'gzip, deflate, br' });
    const forwardedBefore = backend.forwardedAll();

    for (const urlPath of ['/', '/index.html']) {
      const answer = await send(port, 'GET', urlPath, { 'accept-encoding': 'gzip' });
      expect(answer.status).toBe(200);
      expect(answer.body).toBe(HTML);
      expect(answer.gzipped).toBe(false);
      expect(answer.headers['content-encoding']).toBeUndefined();
      expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(answer.headers['cache-control']).toBe('no-store, max-age=0');
      expect(answer.headers['content-security-policy']).toBe("default-src 'self'; script-src 'self' 'nonce-abc'");
      expect(answer.headers['x-devportal-page']).toBe('entry');
      expect(answer.headers.etag).toBe('W/"page-1"');
      expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(HTML)));
    }
    expect(copy.body).toBe(HTML);
    // Neither reached the backend.
    expect(backend.forwardedAll()).toBe(forwardedBefore);
    expect(backend.seen.filter(r => r.url === '/index.html')).toEqual([]);
  });

  it('answers HEAD / from its copy with the headers and no body', async () => {
    await untilServedFromCopy(port, backend);
    const before = backend.seen.length;
    const answer = await send(port, 'HEAD', '/');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.headers['x-devportal-page']).toBe('entry');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(HTML)));
    expect(backend.seen.length).toBe(before);
  });

  it("answers 304 to If-None-Match with the backend's etag, and the page to another etag", async () => {
    await untilServedFromCopy(port, backend);
    const before = backend.seen.length;
    const notModified = await send(port, 'GET', '/', { 'if-none-match': 'W/"page-1"' });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBe('');
    expect(notModified.headers.etag).toBe('W/"page-1"');
    const other = await send(port, 'GET', '/', { 'if-none-match': 'W/"page-0"' });
    expect(other.status).toBe(200);
    expect(other.body).toBe(HTML);
    expect(backend.seen.length).toBe(before);
  });

  it('forwards every request with a Cookie or an Authorization header, with that header', async () => {
    await untilServedFromCopy(port, backend);
    const cases: http.OutgoingHttpHeaders[] = [
      { cookie: 'session=abc' },
      { authorization: 'Bearer token-1' },
      { cookie: 'session=abc', 'if-none-match': 'W/"page-1"' },
    ];
    for (const headers of cases) {
      const before = backend.forwarded('/');
      const answer = await send(port, 'GET', '/', headers);
      expect(answer.status).toBe(200);
      expect(backend.forwarded('/')).toBe(before + 1);
      const last = backend.seen[backend.seen.length - 1];
      expect(last.headers.cookie).toBe(headers.cookie);
      expect(last.headers.authorization).toBe(headers.authorization);
    }
    const before = backend.forwarded('/index.html');
    await send(port, 'HEAD', '/index.html', { cookie: 'session=abc' });
    expect(backend.forwarded('/index.html', 'HEAD')).toBe(before + 1);
  });

  it('does not fetch the page for requests that carry credentials', async () => {
    for (let i = 0; i < 3; i++) await send(port, 'GET', '/', { cookie: 'session=abc' });
    await send(port, 'GET', '/', { authorization: 'Bearer x' });
    // A later anonymous request still finds no copy: it is forwarded, and only it starts the fetch.
    const before = backend.forwarded('/');
    await send(port, 'GET', '/');
    expect(backend.forwarded('/')).toBe(before + 1);
    await until('the cache fetched the page', () => (backend.fetches().length > 0 ? true : undefined));
    expect(backend.fetches()).toHaveLength(1);
    expect(backend.forwarded('/')).toBe(5);
  });

  it('forwards a page request with a query, other paths, and POST /', async () => {
    await untilServedFromCopy(port, backend);
    const q = await send(port, 'GET', '/?x=1');
    expect(q.body).toBe(HTML);
    expect(backend.forwarded('/?x=1')).toBe(1);
    const catalog = await send(port, 'GET', '/catalog');
    expect(catalog.body).toBe('backend GET /catalog');
    expect(backend.forwarded('/catalog')).toBe(1);
    const postsBefore = backend.forwarded('/', 'POST');
    const post = await send(port, 'POST', '/', { 'content-type': 'application/json' }, '{"a":1}');
    expect(post.status).toBe(200);
    expect(backend.forwarded('/', 'POST')).toBe(postsBefore + 1);
    const head = await send(port, 'HEAD', '/?x=1');
    expect(head.status).toBe(200);
    expect(backend.forwarded('/?x=1', 'HEAD')).toBe(1);
  });

  describe('never serves a page that may not be kept', () => {
    const pages: Array<[string, Page]> = [
      ['sets a cookie', htmlPage(HTML, { 'set-cookie': 'csrf=1; Path=/; HttpOnly' })],
      ['varies on Cookie', htmlPage(HTML, { vary: 'Accept-Encoding, Cookie' })],
      ['varies on anything else', htmlPage(HTML, { vary: 'User-Agent' })],
      ['is not text/html', htmlPage('{"page":1}', { 'content-type': 'application/json' })],
      ['is not 200', { ...htmlPage('<html>starting</html>'), status: 503 }],
      ['is a redirect', { status: 302, headers: { location: '/login', 'content-type': 'text/html' }, body: '' }],
    ];

    it.each(pages)('a page that %s: every request reaches the backend', async (_name, page) => {
      backend.state.page = page;
      await untilFetchedTwice(port, backend);
      for (let i = 0; i < 3; i++) {
        const before = backend.forwarded('/');
        const answer = await send(port, 'GET', '/');
        expect(answer.status).toBe(page.status);
        expect(answer.body).toBe(page.body);
        expect(backend.forwarded('/')).toBe(before + 1);
      }
      const before = backend.forwarded('/index.html');
      await send(port, 'GET', '/index.html');
      expect(backend.forwarded('/index.html')).toBe(before + 1);
    });
  });

  it("does not serve one generation's page for the next: a new upstream starts without a copy", async () => {
    await untilServedFromCopy(port, backend);
    const next = await pageBackend();
    try {
      next.state.page = htmlPage('<html>generation 2</html>', { etag: 'W/"page-2"' });
      door.switchTo({ name: 'backend 2', port: next.port });
      const first = await send(port, 'GET', '/');
      expect(first.body).toBe('<html>generation 2</html>');
      expect(next.forwarded('/')).toBe(1);
      const copy = await untilServedFromCopy(port, next);
      expect(copy.body).toBe('<html>generation 2</html>');
      expect(copy.headers.etag).toBe('W/"page-2"');
    } finally {
      door.forget({ name: 'backend 2', port: next.port });
      await next.close();
    }
  });
});

/**
 * The cache with a short time to live, in front of the same backend. The
 * front door makes its caches with the default time, so this front is a
 * minimal stand-in for FrontDoor.forward: the cache first, else forward.
 */
async function cachingFront(cache: EntryPageCache, backendPort: number) {
  const server = http.createServer((req, res) => {
    if (cache.serve(req, res)) return;
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: backendPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': '127.0.0.1' },
        agent: false,
      },
      upstreamRes => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstream.once('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

describe('EntryPageCache refreshing its copy', () => {
  let backend: Backend;
  let front: Awaited<ReturnType<typeof cachingFront>>;

  beforeEach(async () => {
    backend = await pageBackend();
    front = await cachingFront(new EntryPageCache(backend.port, 50), backend.port);
  });

  afterEach(async () => {
    await front.close();
    await backend.close();
  });

  it('serves a changed page once a request after the time to live has fetched it, keeping the old copy meanwhile', async () => {
    const v1 = await untilServedFromCopy(front.port, backend);
    expect(v1.body).toBe(HTML);
    const forwardedBefore = backend.forwarded('/');
    const fetchesBefore = backend.fetches().length;
    backend.state.page = htmlPage('<html>v2</html>', { etag: 'W/"page-2"', 'x-devportal-page': 'entry-2' });

    const v2 = await until('the changed page served from the copy', async () => {
      const answer = await send(front.port, 'GET', '/');
      // Until the new copy is in, the old one is served: nothing waits on the backend.
      expect([HTML, '<html>v2</html>']).toContain(answer.body);
      return answer.body === '<html>v2</html>' ? answer : undefined;
    });
    expect(v2.headers.etag).toBe('W/"page-2"');
    expect(v2.headers['x-devportal-page']).toBe('entry-2');
    expect(v2.headers['content-length']).toBe(String(Buffer.byteLength('<html>v2</html>')));
    expect(backend.forwarded('/')).toBe(forwardedBefore);
    expect(backend.fetches().length).toBeGreaterThan(fetchesBefore);
    // The old etag no longer matches; the new one does.
    expect((await send(front.port, 'GET', '/', { 'if-none-match': 'W/"page-1"' })).status).toBe(200);
    await until('304 for the new etag', async () =>
      (await send(front.port, 'GET', '/', { 'if-none-match': 'W/"page-2"' })).status === 304 ? true : undefined,
    );
  });

  it('drops its copy when the backend starts setting a cookie: requests reach the backend again', async () => {
    await untilServedFromCopy(front.port, backend);
    backend.state.page = htmlPage('<html>with cookie</html>', { 'set-cookie': 'session=new; Path=/' });

    const reached = await until('a page request reaching the backend again', async () => {
      const before = backend.forwarded('/');
      const answer = await send(front.port, 'GET', '/');
      return backend.forwarded('/') > before ? answer : undefined;
    });
    expect(reached.body).toBe('<html>with cookie</html>');
    expect(reached.headers['set-cookie']).toEqual(['session=new; Path=/']);
    for (let i = 0; i < 3; i++) {
      const before = backend.forwarded('/');
      const answer = await send(front.port, 'GET', '/');
      expect(answer.body).toBe('<html>with cookie</html>');
      expect(backend.forwarded('/')).toBe(before + 1);
    }
  });
});
