import { InstallError } from '../errors';

/** Redirects followed for one request; registries use one (to blob storage), rarely two. */
export const MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * `fetch` that follows redirects itself, checking every hop: HTTPS always,
 * plain HTTP only where `plainHttpAllowed` says so (loopback, listed insecure
 * registries). With `redirect: 'follow'` an HTTPS registry could send the
 * installer, and what it downloads, to plain HTTP on any host.
 *
 * The Authorization header goes only to the origin it was meant for: it is
 * dropped at the first hop to another origin (blob storage is usually
 * pre-signed). A request with a body is not re-sent to another URL: the
 * redirect is answered as the response.
 */
export async function fetchCheckingRedirects(
  fetchImpl: typeof fetch,
  url: URL,
  init: RequestInit & { headers?: Record<string, string> },
  plainHttpAllowed: (url: URL) => boolean,
  what: string,
): Promise<Response> {
  let current = url;
  let request: RequestInit & { headers?: Record<string, string> } = { ...init, redirect: 'manual' };
  for (let hop = 0; ; hop++) {
    const res = await fetchImpl(current, request);
    const location = res.headers.get('location');
    if (!REDIRECT_STATUSES.has(res.status) || !location || init.body) return res;
    await res.body?.cancel().catch(() => undefined);
    if (hop >= MAX_REDIRECTS) {
      throw new InstallError(`More than ${MAX_REDIRECTS} redirects for ${what}`, 'REGISTRY_REDIRECT_REFUSED');
    }
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw new InstallError(`An invalid redirect for ${what}`, 'REGISTRY_REDIRECT_REFUSED');
    }
    const allowed = next.protocol === 'https:' || (next.protocol === 'http:' && plainHttpAllowed(next));
    if (!allowed) {
      // Only scheme and host: the path and query may hold a pre-signed secret.
      throw new InstallError(
        `Refused a redirect from ${current.protocol}//${current.host} to ${next.protocol}//${next.host} for ${what}: only HTTPS, or plain HTTP to loopback and --insecure-registry hosts`,
        'REGISTRY_REDIRECT_REFUSED',
      );
    }
    const headers: Record<string, string> = { ...request.headers };
    if (next.origin !== current.origin) delete headers.authorization;
    request = { ...request, headers, ...(res.status === 303 ? { method: 'GET' } : {}) };
    current = next;
  }
}
