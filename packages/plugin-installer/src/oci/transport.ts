import { InstallError } from '../errors';
import {
  basicAuthorization,
  loadCredentials,
  parseWwwAuthenticate,
  authFileCandidates,
  type CredentialLookupOptions,
  type RegistryCredentials,
} from './auth';
import { formatOciReference, type OciReference } from './reference';
import { fetchCheckingRedirects } from './redirects';

/** Options shared by the OCI client and the pusher. */
export interface OciTransportOptions extends CredentialLookupOptions {
  /**
   * Registries (`host` or `host:port`) spoken to over plain HTTP. Loopback
   * hosts (127.0.0.0/8, ::1, localhost) always are; every other host is
   * HTTPS.
   */
  insecureRegistries?: string[];
  /** Credentials to use instead of the auth files (e.g. from command line flags). */
  credentials?: { username: string; password: string };
  /** Per request (and per idle gap while streaming a blob). Default 30 s. */
  timeoutMs?: number;
  /** Whole blob download or upload. Default 10 min. */
  blobTimeoutMs?: number;
  /** Retries after the first attempt, for connection errors, timeouts, 429 and 5xx. Default 3. */
  retries?: number;
  /** First retry delay, doubled each time. Default 500 ms. */
  retryBaseDelayMs?: number;
  /** Upper bound of one retry delay (also caps `Retry-After`). Default 10 s. */
  maxRetryDelayMs?: number;
  /** The fetch to use; default the global one (undici). */
  fetch?: typeof fetch;
  userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_BLOB_TIMEOUT_MS = 600_000;

/** What one request to a registry looks like. */
export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path under the registry base (`/v2/...`), or a full URL (upload locations). */
  path?: string;
  url?: string;
  headers?: Record<string, string>;
  /** Called for each attempt, so that a body can be sent again. */
  body?: () => BodyInit | undefined | Promise<BodyInit | undefined>;
  /** `pull` or `pull,push`: the token scope asked for when a challenge names none. */
  actions: 'pull' | 'pull,push';
  /** Statuses handed to `read`; any other one becomes an `InstallError`. */
  expect: number[];
  /** For messages, e.g. `manifest oci://host/repo:tag`. */
  what: string;
  /** Overall timeout of one attempt, including `read`. */
  timeoutMs?: number;
  /** An extra abort signal for one attempt (idle timeouts while streaming). */
  signal?: () => AbortSignal | undefined;
  /** No retries for this request (non-idempotent steps). */
  noRetry?: boolean;
}

/** A network failure that may go away: connection refused/reset, timeout, 5xx. */
class TransientError extends Error {
  readonly retryAfterMs?: number;
  constructor(message: string, retryAfterMs?: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const UNREACHABLE_STATUSES = new Set([502, 503, 504]);

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'DNS lookup failed (temporary)',
  ENOTFOUND: 'host not found (DNS)',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no response headers in time',
  UND_ERR_BODY_TIMEOUT: 'response body stalled',
  UND_ERR_CLOSED: 'connection closed',
  ERR_SSL_WRONG_VERSION_NUMBER: 'TLS handshake failed (is it a plain-HTTP registry? list it in insecureRegistries)',
};
const NOT_RETRYABLE_CODES = new Set(['ENOTFOUND']);

/** Whether `host` (`name[:port]`) is on loopback. */
export function isLoopbackHost(registry: string): boolean {
  const hostname = hostnameOf(registry);
  return (
    hostname === 'localhost' ||
    hostname === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']')).toLowerCase();
  return registry.replace(/:\d+$/, '').toLowerCase();
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** The error code of a fetch/stream failure, looking through `cause`s. */
function errorCode(error: unknown): string | undefined {
  let e: any = error;
  for (let depth = 0; e && depth < 5; depth++, e = e.cause) {
    if (typeof e.code === 'string' && !e.code.startsWith('ABORT')) return e.code;
  }
  return undefined;
}

function isAbort(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'AbortError' || name === 'TimeoutError';
}

/**
 * Speaks HTTP to registries: picks http/https, answers auth challenges
 * (Basic and Bearer tokens, cached), retries what may be transient with
 * exponential backoff, and turns every failure into an `InstallError` whose
 * message names the registry and never contains a secret.
 */
export class RegistryTransport {
  readonly options: OciTransportOptions;
  private readonly insecure: Set<string>;
  private readonly credentialCache = new Map<string, Promise<RegistryCredentials | undefined>>();
  /** `registry|repository|actions` → Authorization header value. */
  private readonly authCache = new Map<string, string>();

  constructor(options: OciTransportOptions = {}) {
    this.options = options;
    this.insecure = new Set((options.insecureRegistries ?? []).map(h => h.toLowerCase()));
  }

  get timeoutMs() {
    return this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get blobTimeoutMs() {
    return this.options.blobTimeoutMs ?? DEFAULT_BLOB_TIMEOUT_MS;
  }

  /** `https://host[:port]` or, for loopback and insecure registries, `http://…`. */
  baseUrl(registry: string): string {
    const lower = registry.toLowerCase();
    const plain = isLoopbackHost(lower) || this.insecure.has(lower) || this.insecure.has(hostnameOf(lower));
    const apiHost = lower === 'docker.io' || lower === 'index.docker.io' ? 'registry-1.docker.io' : registry;
    return `${plain ? 'http' : 'https'}://${apiHost}`;
  }

  private isPlainHttpAllowed(url: URL): boolean {
    const host = url.host.toLowerCase();
    return isLoopbackHost(host) || this.insecure.has(host) || this.insecure.has(url.hostname.toLowerCase());
  }

  /** Sends `req` (auth, retries, timeouts) and hands an expected response to `read`. */
  async request<T>(ref: OciReference, req: RegistryRequest, read: (res: Response) => Promise<T>): Promise<T> {
    const retries = req.noRetry ? 0 : Math.max(0, this.options.retries ?? 3);
    const base = this.options.retryBaseDelayMs ?? 500;
    const maxDelay = this.options.maxRetryDelayMs ?? 10_000;
    let last: TransientError | undefined;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) {
        const backoff = Math.min(maxDelay, base * 2 ** (attempt - 1));
        await sleep(Math.max(backoff, Math.min(maxDelay, last?.retryAfterMs ?? 0)));
      }
      try {
        return await this.attempt(ref, req, read);
      } catch (error) {
        if (!(error instanceof TransientError)) throw error;
        last = error;
      }
    }
    const tries = retries + 1;
    const message = `${last!.message}, after ${tries} attempt${tries === 1 ? '' : 's'}`;
    const unreachable = !/^HTTP (429|500|501)\b/.test(last!.message);
    throw new InstallError(
      unreachable
        ? `Registry ${ref.registry} is unreachable: ${message}, for ${req.what}`
        : `Registry ${ref.registry} failed: ${message}, for ${req.what}`,
      unreachable ? 'REGISTRY_UNREACHABLE' : 'REGISTRY_ERROR',
    );
  }

  private async attempt<T>(ref: OciReference, req: RegistryRequest, read: (res: Response) => Promise<T>): Promise<T> {
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const extra = req.signal?.();
    const signal = extra ? AbortSignal.any([timeout, extra]) : timeout;
    try {
      const res = await this.exchange(ref, req, signal);
      if (RETRYABLE_STATUSES.has(res.status)) {
        await res.body?.cancel().catch(() => undefined);
        const retryAfter = Number(res.headers.get('retry-after'));
        throw new TransientError(
          `HTTP ${res.status} ${res.statusText}`.trim(),
          Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        );
      }
      if (!req.expect.includes(res.status)) {
        throw await this.statusError(ref, req, res);
      }
      return await read(res);
    } catch (error) {
      if (error instanceof InstallError || error instanceof TransientError) throw error;
      if (isAbort(error) || timeout.aborted || extra?.aborted) {
        throw new TransientError(timeout.aborted ? `timed out after ${timeoutMs} ms` : 'stalled: no data in time');
      }
      const code = errorCode(error);
      if (code && NETWORK_REASONS[code] !== undefined) {
        const reason = `${NETWORK_REASONS[code]} (${code})`;
        if (NOT_RETRYABLE_CODES.has(code)) {
          throw new InstallError(`Registry ${ref.registry} is unreachable: ${reason}, for ${req.what}`, 'REGISTRY_UNREACHABLE');
        }
        throw new TransientError(reason);
      }
      if (code && /CERT|SSL|TLS/.test(code)) {
        throw new InstallError(`Registry ${ref.registry}: TLS error ${code}, for ${req.what}`, 'REGISTRY_UNREACHABLE');
      }
      if (error instanceof TypeError && /fetch failed|terminated/i.test(error.message)) {
        throw new TransientError(code ? `network error (${code})` : `network error (${error.message})`);
      }
      throw error;
    }
  }

  /** One request with the auth dance: cached auth, then at most one fresh challenge. */
  private async exchange(ref: OciReference, req: RegistryRequest, signal: AbortSignal): Promise<Response> {
    const base = this.baseUrl(ref.registry);
    const url = new URL(req.url ?? req.path!, base);
    const sameOrigin = url.origin === new URL(base).origin;
    const cacheKey = `${ref.registry}|${ref.repository}|${req.actions}`;
    const send = async (authorization: string | undefined) => {
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'devportal-cli', ...req.headers };
      if (authorization && sameOrigin) headers.authorization = authorization;
      const body = req.body ? await req.body() : undefined;
      const f = this.options.fetch ?? globalThis.fetch;
      const init = { method: req.method, headers, body, signal, ...(body ? { duplex: 'half' } : {}) } as RequestInit & { headers: Record<string, string> };
      return fetchCheckingRedirects(f, url, init, u => this.isPlainHttpAllowed(u), req.what);
    };

    const cached = this.authCache.get(cacheKey);
    let res = await send(cached);
    if (res.status !== 401 || !sameOrigin) return res;

    const challengeHeader = res.headers.get('www-authenticate');
    await res.body?.cancel().catch(() => undefined);
    const authorization = await this.authorize(ref, req, challengeHeader, signal);
    this.authCache.set(cacheKey, authorization);
    res = await send(authorization);
    if (res.status === 401) {
      await res.body?.cancel().catch(() => undefined);
      this.authCache.delete(cacheKey);
      throw await this.authFailure(ref, req, 'refused');
    }
    return res;
  }

  private credentials(ref: OciReference): Promise<RegistryCredentials | undefined> {
    if (this.options.credentials) {
      return Promise.resolve({ ...this.options.credentials, source: 'the given credentials' });
    }
    const key = `${ref.registry}|${ref.repository}`;
    let found = this.credentialCache.get(key);
    if (!found) {
      found = loadCredentials(ref.registry, ref.repository, this.options);
      this.credentialCache.set(key, found);
    }
    return found;
  }

  private async authFailure(ref: OciReference, req: RegistryRequest, kind: 'refused' | 'denied'): Promise<InstallError> {
    const credentials = await this.credentials(ref);
    const target = `${req.what}`;
    if (!credentials) {
      const { files } = authFileCandidates(this.options);
      return new InstallError(
        `Registry ${ref.registry} requires authentication for ${target} and no credentials were found for it ` +
          `(looked in ${files.join(', ')}; set REGISTRY_AUTH_FILE to a containers auth.json)`,
        'REGISTRY_AUTH_FAILED',
      );
    }
    return new InstallError(
      kind === 'denied'
        ? `Registry ${ref.registry} denied user '${credentials.username}' (from ${credentials.source}) access to ${target}`
        : `Registry ${ref.registry} refused the credentials of user '${credentials.username}' (from ${credentials.source}) for ${target}`,
      'REGISTRY_AUTH_FAILED',
    );
  }

  /** Answers a 401 challenge with an Authorization header value. */
  private async authorize(
    ref: OciReference,
    req: RegistryRequest,
    header: string | null,
    signal: AbortSignal,
  ): Promise<string> {
    const challenges = parseWwwAuthenticate(header);
    const bearer = challenges.find(c => c.scheme === 'bearer' && c.params.realm);
    const basic = challenges.find(c => c.scheme === 'basic');
    const credentials = await this.credentials(ref);
    if (bearer) return this.fetchToken(ref, req, bearer.params, credentials, signal);
    if (basic && credentials) return basicAuthorization(credentials);
    if (!basic) {
      throw new InstallError(
        `Registry ${ref.registry} asked for an unsupported authentication (${challenges.map(c => c.scheme).join(', ') || 'no WWW-Authenticate challenge'}) for ${req.what}`,
        'REGISTRY_AUTH_FAILED',
      );
    }
    throw await this.authFailure(ref, req, 'refused');
  }

  private async fetchToken(
    ref: OciReference,
    req: RegistryRequest,
    params: Record<string, string>,
    credentials: RegistryCredentials | undefined,
    signal: AbortSignal,
  ): Promise<string> {
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw new InstallError(`Registry ${ref.registry} sent an invalid token realm`, 'REGISTRY_AUTH_FAILED');
    }
    if (realm.protocol !== 'https:' && !(realm.protocol === 'http:' && this.isPlainHttpAllowed(realm))) {
      throw new InstallError(
        `Registry ${ref.registry} asked for a token from ${realm.protocol}//${realm.host}, which is not HTTPS; refusing to send credentials there`,
        'REGISTRY_AUTH_FAILED',
      );
    }
    if (params.service) realm.searchParams.set('service', params.service);
    const scope = params.scope || `repository:${apiRepository(ref)}:${req.actions}`;
    for (const s of scope.split(' ').filter(Boolean)) realm.searchParams.append('scope', s);
    const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? 'devportal-cli', accept: 'application/json' };
    if (credentials) headers.authorization = basicAuthorization(credentials);
    const f = this.options.fetch ?? globalThis.fetch;
    const res = await fetchCheckingRedirects(f, realm, { method: 'GET', headers, signal }, u => this.isPlainHttpAllowed(u), `a token from ${realm.host}`);
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => undefined);
      throw await this.authFailure(ref, req, 'refused');
    }
    if (RETRYABLE_STATUSES.has(res.status)) {
      await res.body?.cancel().catch(() => undefined);
      throw new TransientError(`token service ${realm.host} answered HTTP ${res.status}`);
    }
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => undefined);
      throw new InstallError(`Token service ${realm.host} for registry ${ref.registry} answered HTTP ${res.status}`, 'REGISTRY_AUTH_FAILED');
    }
    let body: { token?: unknown; access_token?: unknown };
    try {
      body = JSON.parse(await res.text());
    } catch {
      throw new InstallError(`Token service ${realm.host} for registry ${ref.registry} did not answer JSON`, 'REGISTRY_AUTH_FAILED');
    }
    const token = typeof body.token === 'string' ? body.token : body.access_token;
    if (typeof token !== 'string' || !token) {
      throw new InstallError(`Token service ${realm.host} for registry ${ref.registry} answered without a token`, 'REGISTRY_AUTH_FAILED');
    }
    return `Bearer ${token}`;
  }

  /** The `InstallError` for an unexpected status (401 is handled by the auth dance). */
  private async statusError(ref: OciReference, req: RegistryRequest, res: Response): Promise<InstallError> {
    let detail = '';
    if (req.method !== 'HEAD') {
      try {
        const text = (await res.text()).slice(0, 2000);
        const parsed = JSON.parse(text);
        const first = parsed?.errors?.[0];
        if (first?.code) detail = `: ${String(first.code).slice(0, 60)}${first.message ? ` ${String(first.message).slice(0, 160)}` : ''}`;
      } catch {
        // not a registry error body
      }
    } else {
      await res.body?.cancel().catch(() => undefined);
    }
    if (res.status === 401) return this.authFailure(ref, req, 'refused');
    if (res.status === 403) return this.authFailure(ref, req, 'denied');
    if (res.status === 404) {
      return new InstallError(`Not found on registry ${ref.registry}: ${req.what}${detail}`, 'OCI_NOT_FOUND');
    }
    return new InstallError(
      `Registry ${ref.registry} answered HTTP ${res.status} to ${req.method} for ${req.what}${detail}`,
      UNREACHABLE_STATUSES.has(res.status) ? 'REGISTRY_UNREACHABLE' : 'REGISTRY_ERROR',
    );
  }
}

/** The repository path in API URLs: Docker Hub's official images live under `library/`. */
export function apiRepository(ref: OciReference): string {
  const hub = ['docker.io', 'index.docker.io', 'registry-1.docker.io'].includes(ref.registry.toLowerCase());
  return hub && !ref.repository.includes('/') ? `library/${ref.repository}` : ref.repository;
}

/** `oci://host/repo:tag` for messages. */
export function describe(ref: OciReference): string {
  return formatOciReference(ref, { withPluginPath: false });
}
