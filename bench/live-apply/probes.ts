/**
 * What bench/live-apply watches besides the HTTP load: the RSS of the
 * portal's process tree, signals websockets, and a real browser's page loads.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../../e2e/support/browser.ts';

const PAGE = 4096;

/** The sum of RSS (bytes) of `root` and all its descendants, from /proc. */
export function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // `pid (comm) state ppid ...`: comm may hold spaces, so split after its ')'.
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const pid = Number(entry);
      const ppid = Number(fields[1]);
      rss.set(pid, Number(fields[21]) * PAGE);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  let total = 0;
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    total += rss.get(pid) ?? 0;
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

export interface RssSampler {
  samples: { at: number; bytes: number }[];
  stop(): void;
}

/** Samples `treeRss(root)` every `everyMs`; `at` is Date.now(). */
export function sampleRss(root: number, everyMs = 250): RssSampler {
  const samples: { at: number; bytes: number }[] = [];
  const take = () => samples.push({ at: Date.now(), bytes: treeRss(root) });
  take();
  const timer = setInterval(take, everyMs);
  return { samples, stop: () => clearInterval(timer) };
}

export interface SignalsStats {
  opened: number;
  /** Closes of an open connection (expected when a backend generation stops), with their codes (1006: no close frame). */
  closes: { at: number; code: number }[];
  /** Connections that failed before opening (an HTTP status instead of 101, a reset): failed requests. */
  failed: { at: number; error: string }[];
  messages: number;
}

/**
 * `count` long-lived signals connections, authenticated the way
 * @backstage/plugin-signals' client does (the token as the websocket
 * subprotocol), each subscribed to a channel; like that client, a closed
 * connection reconnects after a moment. The handshake is done by hand over
 * node:http rather than with the global WebSocket, whose error event does
 * not say which status refused an upgrade: that is what a report needs.
 */
export function startSignals(baseUrl: string, token: string, count: number) {
  const url = new URL('/api/signals', baseUrl);
  const stats: SignalsStats = { opened: 0, closes: [], failed: [], messages: 0 };
  let running = true;
  const sockets = new Set<Duplex>();
  const connect = () => {
    if (!running) return;
    const req = http.request({
      host: url.hostname,
      port: url.port,
      path: url.pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': crypto.randomBytes(16).toString('base64'),
        'sec-websocket-protocol': token,
      },
    });
    const fail = (error: string) => {
      if (running) stats.failed.push({ at: Date.now(), error });
      if (running) setTimeout(connect, 500);
    };
    req.setTimeout(30_000, () => req.destroy(new Error('no upgrade within 30 s')));
    req.once('response', res => {
      let body = '';
      res.on('data', d => (body += d));
      res.once('end', () => fail(`HTTP ${res.statusCode} ${body.slice(0, 120)}`));
    });
    req.once('error', error => fail((error as NodeJS.ErrnoException).code ?? error.message));
    req.once('upgrade', (_res, socket, head) => {
      req.setTimeout(0);
      stats.opened++;
      sockets.add(socket);
      let code = 1006;
      let buffer = head;
      socket.on('data', (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        for (let frame = readFrame(buffer); frame; frame = readFrame(buffer)) {
          buffer = buffer.subarray(frame.size);
          if (frame.opcode === 0x8) {
            code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
            socket.end(maskedFrame(0x8, frame.payload.subarray(0, 2)));
          } else if (frame.opcode === 0x9) socket.write(maskedFrame(0xa, frame.payload));
          else stats.messages++;
        }
      });
      socket.once('close', () => {
        sockets.delete(socket);
        if (!running) return;
        stats.closes.push({ at: Date.now(), code });
        setTimeout(connect, 500);
      });
      socket.on('error', () => {});
      socket.write(maskedFrame(0x1, Buffer.from(JSON.stringify({ action: 'subscribe', channel: 'devportal-bench' }))));
    });
    req.end();
  };
  for (let i = 0; i < count; i++) connect();
  return {
    stats,
    open: () => sockets.size,
    stop() {
      running = false;
      for (const socket of sockets) socket.end(maskedFrame(0x8, Buffer.from([0x03, 0xe8])));
    },
  };
}

/** One unmasked server frame at the start of `buffer`, or undefined until it is all there. */
function readFrame(buffer: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { opcode: buffer[0] & 0x0f, payload: buffer.subarray(offset, offset + length), size: offset + length };
}

/** A final client frame; clients must mask what they send. */
function maskedFrame(opcode: number, payload: Buffer): Buffer {
  const mask = crypto.randomBytes(4);
  const header = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([header, mask, masked]);
}

/** A headless Chromium, signed in as guest once; each `load()` is a new page load of the portal's home. */
export async function startPageProbe(baseUrl: string) {
  const browser: Browser = await launchBrowser();
  const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(60_000);
  await page.goto(baseUrl);
  await page.getByRole('button', { name: /enter/i }).click();
  await page.getByTestId('home-greeting').waitFor();
  const radar = () => page.getByRole('link', { name: 'Tech Radar' });
  // Each request of the current load with when it began: what a slow page load waited on.
  let requests: { url: string; began: number; ms?: number; fromCache?: boolean }[] = [];
  const started = new Map<unknown, { url: string; began: number; ms?: number; fromCache?: boolean }>();
  page.on('request', request => {
    const entry = { url: request.url(), began: Date.now() };
    started.set(request, entry);
    requests.push(entry);
  });
  const finish = (request: any) => {
    const entry = started.get(request);
    if (entry) entry.ms = Date.now() - entry.began;
  };
  page.on('requestfinished', finish);
  page.on('requestfailed', finish);
  return {
    /**
     * Loads the home page anew and says whether the Tech Radar nav item is
     * there once the app has rendered (the home greeting is always there).
     */
    async showsRadar(): Promise<boolean> {
      requests = [];
      started.clear();
      await page.goto(baseUrl, { waitUntil: 'load' });
      await page.getByTestId('home-greeting').or(radar()).first().waitFor();
      return (await radar().count()) > 0;
    },
    /** The last load's requests, in the order they began: path, ms after the load began, and how long each took. */
    lastLoad(): string[] {
      const first = requests[0]?.began ?? 0;
      return requests.map(r => `${new URL(r.url).pathname} +${r.began - first} ms ${r.ms === undefined ? 'unfinished' : `${r.ms} ms`}`);
    },
    close: () => browser.close(),
  };
}
