import { InstallError } from '../errors';
import { fetchCheckingRedirects, MAX_REDIRECTS } from './redirects';

/** A fetch that answers from a table by URL and records what it was asked. */
function fakeFetch(routes: Record<string, { status: number; location?: string }>) {
  const calls: Array<{ url: string; authorization?: string; method?: string }> = [];
  const f = (async (input: URL | string, init?: RequestInit) => {
    const url = String(input);
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ url, authorization: headers.authorization, method: init?.method });
    expect(init?.redirect).toBe('manual');
    const route = routes[url] ?? { status: 404 };
    return new Response(route.status === 200 ? 'blob' : null, { status: route.status, headers: route.location ? { location: route.location } : {} });
  }) as typeof fetch;
  return { f, calls };
}

const loopbackOnly = (u: URL) => u.hostname === '127.0.0.1';

describe('fetchCheckingRedirects', () => {
  it('refuses a redirect from HTTPS to plain HTTP on another host, without connecting there', async () => {
    const { f, calls } = fakeFetch({ 'https://registry.example/v2/r/blobs/sha256:a': { status: 307, location: 'http://evil.example/blob?sig=secret' } });
    const error = await fetchCheckingRedirects(f, new URL('https://registry.example/v2/r/blobs/sha256:a'), { method: 'GET', headers: {} }, loopbackOnly, 'blob a').catch(e => e);
    expect(error).toBeInstanceOf(InstallError);
    expect(error.code).toBe('REGISTRY_REDIRECT_REFUSED');
    expect(error.message).toBe('Refused a redirect from https://registry.example to http://evil.example for blob a: only HTTPS, or plain HTTP to loopback and --insecure-registry hosts');
    expect(calls.map(c => c.url)).toEqual(['https://registry.example/v2/r/blobs/sha256:a']);
  });

  it('follows HTTPS hops and plain HTTP where allowed, and keeps credentials to their own origin', async () => {
    const { f, calls } = fakeFetch({
      'https://registry.example/v2/r/blobs/sha256:a': { status: 307, location: '/v2/r/blobs/sha256:a/data' },
      'https://registry.example/v2/r/blobs/sha256:a/data': { status: 302, location: 'https://storage.example/a' },
      'https://storage.example/a': { status: 200 },
    });
    const res = await fetchCheckingRedirects(f, new URL('https://registry.example/v2/r/blobs/sha256:a'), { method: 'GET', headers: { authorization: 'Bearer t' } }, loopbackOnly, 'blob a');
    expect(await res.text()).toBe('blob');
    expect(calls).toEqual([
      { url: 'https://registry.example/v2/r/blobs/sha256:a', authorization: 'Bearer t', method: 'GET' },
      { url: 'https://registry.example/v2/r/blobs/sha256:a/data', authorization: 'Bearer t', method: 'GET' },
      { url: 'https://storage.example/a', authorization: undefined, method: 'GET' },
    ]);
    const local = fakeFetch({ 'http://127.0.0.1:5000/x': { status: 301, location: 'http://127.0.0.1:5001/y' }, 'http://127.0.0.1:5001/y': { status: 200 } });
    expect((await fetchCheckingRedirects(local.f, new URL('http://127.0.0.1:5000/x'), {}, loopbackOnly, 'x')).status).toBe(200);
  });

  it('stops a redirect loop', async () => {
    const { f } = fakeFetch({ 'https://a.example/': { status: 302, location: 'https://a.example/' } });
    await expect(fetchCheckingRedirects(f, new URL('https://a.example/'), {}, loopbackOnly, 'x')).rejects.toThrow(`More than ${MAX_REDIRECTS} redirects for x`);
  });

  it('does not re-send a request body elsewhere: the redirect is the answer', async () => {
    const { f, calls } = fakeFetch({ 'https://r.example/upload': { status: 307, location: 'https://other.example/upload' } });
    const res = await fetchCheckingRedirects(f, new URL('https://r.example/upload'), { method: 'PUT', body: 'data' }, loopbackOnly, 'upload');
    expect(res.status).toBe(307);
    expect(calls).toHaveLength(1);
  });
});
