import crypto from 'node:crypto';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';

/**
 * Backstage's signals backend starts handling websocket upgrades only when
 * the first upgrade request reaches its router, and leaves that first one
 * unanswered (`@backstage/plugin-signals-backend`, its upgrade middleware).
 * Every page reconnecting after a switch would race to be that one; the
 * supervisor is it instead, before any client is sent to the new backend.
 * Then it probes until an upgrade is answered, which shows the handler is
 * in place: usually a few milliseconds, and no fixed wait on the switch.
 */
export async function warmUpSignals(port: number): Promise<void> {
  const first = upgradeRequest(port, 2_000);
  const deadline = Date.now() + 2_000;
  try {
    while (Date.now() < deadline) {
      if (await upgradeRequest(port, 250).answered) return;
      await delay(50);
    }
  } finally {
    first.abort();
  }
}

/** One websocket upgrade to `/api/signals`; `answered` says whether any answer came within `timeoutMs`. */
function upgradeRequest(port: number, timeoutMs: number): { answered: Promise<boolean>; abort(): void } {
  const req = http.request({
    host: '127.0.0.1',
    port,
    path: '/api/signals',
    headers: {
      connection: 'Upgrade',
      upgrade: 'websocket',
      'sec-websocket-version': '13',
      'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
    },
  });
  const answered = new Promise<boolean>(resolve => {
    const done = (answer: boolean) => {
      clearTimeout(timer);
      req.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    timer.unref();
    req.once('upgrade', (_res, socket) => {
      socket.destroy();
      done(true);
    });
    req.once('response', res => {
      res.resume();
      done(true);
    });
    req.once('error', () => done(false));
  });
  req.end();
  return { answered, abort: () => req.destroy() };
}
