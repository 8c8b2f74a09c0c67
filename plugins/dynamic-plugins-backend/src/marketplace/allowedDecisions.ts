import crypto from 'node:crypto';

/**
 * ALLOW decisions of the permission framework for the marketplace's routes,
 * kept for a few seconds per caller token and permission.
 *
 * Why: Backstage's permissions service asks the permission plugin over HTTP,
 * through this same backend's port, so on a busy backend every check is one
 * more turn behind the traffic it serves. That check was the longest step
 * between an admin's Apply and the installer's start (0.2–1 s at 200
 * clients), and the admin who clicks Apply was allowed a moment before, when
 * staging. Kubernetes' webhook authorizer keeps allowed decisions the same
 * way (`--authorization-webhook-cache-authorized-ttl`, 5 minutes by default);
 * here the time is short, so a revoked admin is refused within `ttlMs`.
 *
 * Only ALLOW is kept, keyed by a hash of the bearer token (a new session is
 * asked again), never the token itself; a request without one is always
 * asked.
 */
export class AllowedDecisions {
  private readonly allowed = new Map<string, number>();

  constructor(private readonly ttlMs = 10_000) {}

  /** Whether `token` was allowed `permission` less than `ttlMs` ago. */
  has(token: string | undefined, permission: string): boolean {
    if (!token) return false;
    const key = keyOf(token, permission);
    const at = this.allowed.get(key);
    if (at === undefined) return false;
    if (Date.now() - at < this.ttlMs) return true;
    this.allowed.delete(key);
    return false;
  }

  remember(token: string | undefined, permission: string): void {
    if (!token) return;
    const now = Date.now();
    // Expired entries go when the map grows: it holds a few admins' sessions.
    if (this.allowed.size >= MAX_ENTRIES) {
      for (const [key, at] of this.allowed) if (now - at >= this.ttlMs) this.allowed.delete(key);
      if (this.allowed.size >= MAX_ENTRIES) this.allowed.clear();
    }
    this.allowed.set(keyOf(token, permission), now);
  }
}

const MAX_ENTRIES = 1_000;

function keyOf(token: string, permission: string): string {
  return `${permission} ${crypto.createHash('sha256').update(token).digest('base64url')}`;
}

/** The bearer token of a request, if it has one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  return match?.[1];
}
