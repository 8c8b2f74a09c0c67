/**
 * Admission control for one backend (the front door keeps one gate per
 * generation). At most `limit` forwarded requests are at the backend at
 * once; the others wait here, in the order they came, with `urgent` ones
 * first.
 *
 * Why: a backend is one event loop. With hundreds of requests at it, every
 * awaited step of every request (a database query, or a plugin-to-plugin
 * call such as sign-in's catalog lookup or a permission check, which goes
 * straight to the backend's port) waits behind all of them, so a request
 * that needs a few steps takes a few times the queue. Kept at a few dozen,
 * those steps come round quickly, and the wait moves here, where it costs
 * one turn. HAProxy's per-server `maxconn` with its queue works this way.
 *
 * A request that is still running after `longMs` stops counting: long polls,
 * event streams and big downloads hold no place, so they can never starve
 * the rest (and a backend that calls its own public port cannot deadlock).
 */
export interface RequestGateOptions {
  /** Requests at the backend at once. */
  limit: number;
  /** After this long a request no longer holds a place. */
  longMs: number;
}

interface Waiting {
  start(leave: () => void): void;
  cancelled: boolean;
}

export class RequestGate {
  private running = 0;
  private readonly urgent: Waiting[] = [];
  private readonly normal: Waiting[] = [];

  constructor(private readonly options: RequestGateOptions) {}

  /** Requests waiting for a place. */
  get waiting(): number {
    return this.urgent.length + this.normal.length;
  }

  /**
   * Calls `start` once the request may go to the backend: at once when a
   * place is free. `start` gets `leave`, to be called when the backend has
   * answered (more calls do nothing). Returns a function that takes a
   * request that is still waiting out of the queue (its client went away).
   */
  enter(urgent: boolean, start: (leave: () => void) => void): () => void {
    const entry: Waiting = { start, cancelled: false };
    if (this.running < this.options.limit) this.begin(entry);
    else (urgent ? this.urgent : this.normal).push(entry);
    return () => {
      entry.cancelled = true;
    };
  }

  private begin(entry: Waiting) {
    this.running++;
    let held = true;
    const leave = () => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      this.running--;
      this.next();
    };
    const timer = setTimeout(leave, this.options.longMs);
    timer.unref();
    entry.start(leave);
  }

  private next() {
    while (this.running < this.options.limit) {
      const entry = this.urgent.shift() ?? this.normal.shift();
      if (!entry) return;
      if (!entry.cancelled) this.begin(entry);
    }
  }
}

/**
 * Requests that go before the queue: signing in (a page load waits for it
 * before it shows anything) and the Plugins API (an admin's apply or
 * rollback must get through to a portal that is overloaded). Both are rare
 * next to API traffic, so they cannot crowd the others out.
 */
export function isUrgent(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/api/auth/') || url.startsWith('/api/dynamic-plugins/'));
}
