import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { EntryPageCache } from './entryPageCache';
import { HOP_BY_HOP } from './hopByHop';
import { RequestGate, isUrgent, type RequestGateOptions } from './requestGate';

/**
 * The supervisor's public port. Clients connect here and never to a backend:
 * each request is forwarded to the backend generation that is current when
 * the request arrives, so a client's keep-alive connection outlives any
 * number of generations, and switching generations never closes the port.
 *
 * Why an HTTP-level forwarder rather than handing the listening socket to the
 * new process: a socket handover moves *new* connections only; keep-alive
 * connections stay with the old process, which must close them when it
 * stops, and a client that sends on a connection the server is closing sees
 * a reset (the keep-alive race). Routing each request lets the old
 * generation finish what it has and then receive nothing more.
 */
export interface Upstream {
  /** A name for logs, e.g. "generation 3". */
  name: string;
  port: number;
  /** Answers some requests in the front door itself on this upstream's behalf (RemotesMirror); false forwards. */
  local?: { handle(req: http.IncomingMessage, res: http.ServerResponse): boolean };
}

interface UpstreamUse {
  upstream: Upstream;
  agent: http.Agent;
  /** Requests forwarded and not yet answered in full. */
  inFlight: number;
  /** Upgraded connections (websockets): closed by the backend when it stops, then re-opened by clients. */
  tunnels: Set<Duplex>;
  idle: Array<() => void>;
  /** The app's anonymous HTML page as this upstream answered it. */
  pages: EntryPageCache;
  /** How many requests this upstream works on at once; none: no limit. */
  gate?: RequestGate;
}

export class FrontDoor {
  private readonly server: http.Server;
  private current: UpstreamUse | undefined;
  private readonly uses = new Set<UpstreamUse>();

  constructor(private readonly options: { log: (line: string) => void; startingMessage?: string; gate?: RequestGateOptions }) {
    this.server = http.createServer({ keepAlive: true }, (req, res) => this.forward(req, res));
    this.server.on('upgrade', (req, socket, head) => this.tunnel(req, socket, head));
    this.server.on('clientError', (_error, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    // Longer than the backend's own keep-alive: the client, not us, closes an idle connection first.
    this.server.keepAliveTimeout = 65_000;
    this.server.headersTimeout = 66_000;
  }

  listen(port: number, host: string | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
  }

  /** From now on every new request and upgrade goes to `upstream`; the previous one gets nothing new. */
  switchTo(upstream: Upstream): void {
    const use: UpstreamUse = {
      upstream,
      // Idle connections are closed here after 4 s, before the backend's own
      // keep-alive time (Node's 5 s) ends them under a request (mayResend).
      agent: new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 4_000 }),
      inFlight: 0,
      tunnels: new Set(),
      idle: [],
      pages: new EntryPageCache(upstream.port),
      ...(this.options.gate ? { gate: new RequestGate(this.options.gate) } : {}),
    };
    this.uses.add(use);
    this.current = use;
  }

  /**
   * Resolves once `upstream` has answered every request forwarded to it (or
   * after `timeoutMs`, for long polls), then closes the idle connections to
   * it, so stopping it afterwards can reset nothing a client waits for.
   * Upgraded connections are left for the backend to close as it stops.
   */
  async drain(upstream: Upstream, timeoutMs: number): Promise<{ drained: boolean; left: number }> {
    const use = [...this.uses].find(u => u.upstream === upstream);
    if (!use) return { drained: true, left: 0 };
    let drained = true;
    if (use.inFlight > 0) {
      drained = await new Promise<boolean>(resolve => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        use.idle.push(() => {
          clearTimeout(timer);
          resolve(true);
        });
      });
    }
    const left = use.inFlight;
    use.agent.destroy();
    if (use.tunnels.size === 0) this.uses.delete(use);
    return { drained, left };
  }

  /**
   * Closes the websockets tunnelled to `upstream` the way a server going
   * away should (a close frame with 1001 "going away", RFC 6455 7.4.1), so
   * clients reconnect, through this port, to the current generation. A
   * backend that stops just drops its sockets, which clients see as an
   * abnormal closure (1006).
   */
  closeTunnels(upstream: Upstream): void {
    for (const use of this.uses) {
      if (use.upstream !== upstream) continue;
      for (const tunnel of use.tunnels) {
        // An unmasked server frame: FIN + close, 2-byte payload = 1001.
        tunnel.end(Buffer.from([0x88, 0x02, 0x03, 0xe9]));
      }
    }
  }

  /** Forgets an upstream that is gone: its tunnels are closed by now, or are closed here. */
  forget(upstream: Upstream): void {
    for (const use of this.uses) {
      if (use.upstream !== upstream) continue;
      for (const tunnel of use.tunnels) tunnel.destroy();
      use.agent.destroy();
      this.uses.delete(use);
    }
    if (this.current?.upstream === upstream) this.current = undefined;
  }

  close(): Promise<void> {
    return new Promise(resolve => {
      for (const use of this.uses) {
        for (const tunnel of use.tunnels) tunnel.destroy();
        use.agent.destroy();
      }
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse) {
    const use = this.current;
    if (!use) {
      res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '2' });
      res.end(`${this.options.startingMessage ?? 'DevPortal is starting'}\n`);
      return;
    }
    if (use.upstream.local?.handle(req, res) || use.pages.serve(req, res)) return;
    // Counted from its arrival, waiting or not: a drain waits for the requests queued at this upstream too.
    use.inFlight++;
    let done = false;
    let leaveGate = () => {};
    let leaveQueue = () => {};
    const finish = () => {
      if (done) return;
      done = true;
      leaveQueue();
      leaveGate();
      use.inFlight--;
      if (use.inFlight === 0) for (const notify of use.idle.splice(0)) notify();
    };
    let upstreamReq: http.ClientRequest | undefined;
    // A client that goes away mid-request: stop the upstream request too (or take it out of the queue).
    res.once('close', () => {
      if (!res.writableFinished) upstreamReq?.destroy();
      finish();
    });
    const send = (again: boolean) => {
      const sent = http.request(
        {
          host: '127.0.0.1',
          port: use.upstream.port,
          method: req.method,
          path: req.url,
          headers: forwardedHeaders(req),
          // Once more on a connection of its own: another idle one may be closing too.
          agent: again ? false : use.agent,
        },
        upstreamRes => {
          const headers = { ...upstreamRes.headers };
          for (const name of HOP_BY_HOP) delete headers[name];
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, headers);
          upstreamRes.pipe(res);
          upstreamRes.once('end', finish);
          upstreamRes.once('error', () => {
            res.destroy();
            finish();
          });
        },
      );
      upstreamReq = sent;
      sent.once('error', error => {
        if (!again && !res.headersSent && !res.destroyed && sent.reusedSocket && mayResend(req, error)) {
          send(true);
          return;
        }
        finish();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        this.options.log(`warning: ${use.upstream.name} did not answer ${req.method} ${req.url}: ${(error as Error).message}`);
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('Bad gateway\n');
      });
      if (again) sent.end();
      else req.pipe(sent);
    };
    if (!use.gate) {
      send(false);
      return;
    }
    // A request whose client left while it waited is taken out of the queue (finish), so it never starts here.
    leaveQueue = use.gate.enter(isUrgent(req.url), leave => {
      leaveGate = leave;
      send(false);
    });
  }

  /** Websockets: the upgrade request is forwarded as is and the two sockets are joined. */
  private tunnel(req: http.IncomingMessage, socket: Duplex, head: Buffer) {
    const use = this.current;
    if (!use) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 2\r\n\r\n');
      return;
    }
    const upstream = net.connect(use.upstream.port, '127.0.0.1');
    use.tunnels.add(socket);
    const close = () => {
      use.tunnels.delete(socket);
      upstream.destroy();
      // Flush what the backend sent last (its own close frame, if any) before the socket goes.
      if (socket.writable) socket.end();
      setTimeout(() => socket.destroy(), 1_000).unref();
    };
    upstream.once('connect', () => {
      const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    // Either side ending ends both: a backend that stops closes its websockets, and clients reconnect.
    upstream.once('close', close);
    upstream.once('error', close);
    socket.once('close', close);
    socket.once('error', close);
  }
}

/**
 * The keep-alive race: a backend closes a connection that was idle for its
 * keep-alive time just as a request goes out on it, and the request fails
 * with a reset or a hang-up before any answer. The backend never handled
 * it, so a request without a body whose method is safe to repeat (RFC 9110
 * 9.2.2) is sent once more, as browsers and Node's own docs do.
 */
function mayResend(req: http.IncomingMessage, error: NodeJS.ErrnoException): boolean {
  const raced = error.code === 'ECONNRESET' || error.message === 'socket hang up';
  const bodiless = !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0';
  return raced && bodiless && ['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? '');
}

function forwardedHeaders(req: http.IncomingMessage): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = { ...req.headers };
  for (const name of HOP_BY_HOP) delete headers[name];
  const client = req.socket.remoteAddress;
  if (client) {
    const prior = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  }
  return headers;
}
