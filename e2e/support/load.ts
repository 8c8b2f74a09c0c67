/**
 * A load generator for live apply: keep-alive clients that loop over a mix
 * of requests against one or more portals, and record every failure (a 5xx,
 * a reset, a timeout) and every latency. Shared by
 * e2e/integration/live-apply.test.ts and bench/live-apply.
 */
import http from 'node:http';

export interface LoadRequest {
  name: string;
  method?: 'GET' | 'POST';
  path: string;
  /** JSON body, made per request (so writes can be counted and told apart). */
  body?: () => unknown;
  /** Statuses that count as answered; anything else is a failure. Default: < 500. */
  ok?: (status: number) => boolean;
  /** Sends the portal's bearer token. */
  auth?: boolean;
}

export interface LoadTarget {
  baseUrl: string;
  token?: string;
}

export interface LoadSample {
  /** ms since the load started. */
  at: number;
  ms: number;
  name: string;
  status: number;
}

export interface LoadFailure {
  /** ms since the load started, when the request was sent. */
  at: number;
  name: string;
  /** The status, or the error code (ECONNRESET, a timeout). */
  outcome: number | string;
}

export interface LoadResult {
  /** Date.now() when the load started: `at` values are relative to it. */
  startedAt: number;
  requests: number;
  failures: string[];
  /** The same failures with their time, for windows (bench/live-apply). */
  failed: LoadFailure[];
  samples: LoadSample[];
  /** Answered requests per name and status, e.g. `{ 'item-post': { 201: 40 } }`. */
  statuses: Record<string, Record<number, number>>;
}

export interface RunningLoad {
  /** Stops the clients after their current request and returns what they saw. */
  stop(): Promise<LoadResult>;
  result: LoadResult;
}

/**
 * `clients` keep-alive clients per target, each looping over `mix` from a
 * different starting point. Each request has a timeout (`timeoutMs`), so a
 * request that hangs counts as failed rather than stalling its client.
 */
export function startLoad(targets: LoadTarget[], mix: LoadRequest[], options: { clients: number; timeoutMs?: number }): RunningLoad {
  const started = Date.now();
  const result: LoadResult = { startedAt: started, requests: 0, failures: [], failed: [], samples: [], statuses: {} };
  let running = true;
  const agents: http.Agent[] = [];
  const loops: Promise<void>[] = [];
  for (const target of targets) {
    const url = new URL(target.baseUrl);
    const agent = new http.Agent({ keepAlive: true, maxSockets: options.clients });
    agents.push(agent);
    for (let client = 0; client < options.clients; client++) {
      loops.push(
        (async () => {
          for (let i = client; running; i++) {
            const request = mix[i % mix.length];
            const begin = Date.now();
            const outcome = await send(agent, url, target.token, request, options.timeoutMs ?? 30_000);
            result.requests++;
            const ok = typeof outcome === 'number' && (request.ok ?? (s => s < 500))(outcome);
            if (typeof outcome === 'number') {
              const byStatus = (result.statuses[request.name] ??= {});
              byStatus[outcome] = (byStatus[outcome] ?? 0) + 1;
              result.samples.push({ at: begin - started, ms: Date.now() - begin, name: request.name, status: outcome });
            }
            if (!ok) {
              result.failures.push(`${target.baseUrl} ${request.method ?? 'GET'} ${request.path}: ${outcome} at ${begin - started} ms`);
              result.failed.push({ at: begin - started, name: request.name, outcome });
            }
          }
        })(),
      );
    }
  }
  return {
    result,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      for (const agent of agents) agent.destroy();
      return result;
    },
  };
}

function send(agent: http.Agent, url: URL, token: string | undefined, request: LoadRequest, timeoutMs: number): Promise<number | string> {
  return new Promise(resolve => {
    const body = request.body ? JSON.stringify(request.body()) : undefined;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method ?? 'GET',
        path: request.path,
        agent,
        headers: {
          ...(request.auth && token ? { authorization: `Bearer ${token}` } : {}),
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      res => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
        res.once('error', error => resolve(`response ${error.message}`));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', error => resolve((error as NodeJS.ErrnoException).code ?? error.message));
    req.end(body);
  });
}

/** The `p`th percentile (0–100) of `values`. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
