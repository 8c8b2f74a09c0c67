import http from 'node:http';
import net from 'node:net';
import type { FrontDoor } from './frontDoor';
import { listeningFrontDoor } from './frontDoorTesting';

/**
 * A backend that loses the keep-alive race every time: it answers the first
 * request on each connection (keep-alive), and closes the connection when a
 * second request arrives on it, without answering, as a server does when
 * its keep-alive time ends just as the request comes in.
 */
async function racingBackend(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = net.createServer(socket => {
    let answered = false;
    let buffer = '';
    socket.on('data', chunk => {
      buffer += chunk.toString('latin1');
      while (buffer.includes('\r\n\r\n')) {
        const end = buffer.indexOf('\r\n\r\n') + 4;
        const head = buffer.slice(0, end);
        buffer = buffer.slice(end);
        const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        buffer = buffer.slice(length);
        const line = head.split('\r\n')[0];
        if (answered) {
          requests.push(`closed on: ${line}`);
          socket.destroy();
          return;
        }
        answered = true;
        requests.push(`answered: ${line}`);
        socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n\r\nok');
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () => new Promise(resolve => server.close(() => resolve())),
  };
}

describe('FrontDoor', () => {
  const logs: string[] = [];
  let door: FrontDoor;
  let port: number;
  let backend: Awaited<ReturnType<typeof racingBackend>>;

  beforeEach(async () => {
    logs.length = 0;
    backend = await racingBackend();
    ({ door, port } = await listeningFrontDoor({ name: 'backend 1', port: backend.port }, line => logs.push(line)));
  });

  afterEach(async () => {
    await door.close();
    await backend.close();
  });

  // One client connection, so the door's second request goes out on its kept-alive connection to the backend.
  const request = (agent: http.Agent, method: string, body?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: '/x', agent }, res => {
        res.resume();
        res.once('end', () => resolve(res.statusCode ?? 0));
      });
      req.once('error', reject);
      req.end(body);
    });

  it('sends a GET again, on a new connection, when the backend closes the kept-alive one it went out on', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await request(agent, 'GET')).toBe(200);
    expect(await request(agent, 'GET')).toBe(200);
    expect(backend.requests).toEqual(['answered: GET /x HTTP/1.1', 'closed on: GET /x HTTP/1.1', 'answered: GET /x HTTP/1.1']);
    expect(logs).toEqual([]);
    agent.destroy();
  });

  it('does not send a POST again (the backend may have acted on it): the client gets 502 and the log says why', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect(await request(agent, 'GET')).toBe(200);
    expect(await request(agent, 'POST', '{"a":1}')).toBe(502);
    expect(backend.requests).toEqual(['answered: GET /x HTTP/1.1', 'closed on: POST /x HTTP/1.1']);
    expect(logs).toEqual([expect.stringMatching(/^warning: backend 1 did not answer POST \/x: /)]);
    agent.destroy();
  });
});

describe('FrontDoor with a request limit', () => {
  /** A backend that holds every request until the test answers it; `arrived` lists paths in the order they came. */
  async function holdingBackend() {
    const arrived: string[] = [];
    const held = new Map<string, http.ServerResponse>();
    const server = http.createServer((req, res) => {
      arrived.push(req.url!);
      held.set(req.url!, res);
    });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as net.AddressInfo).port,
      arrived,
      answer(url: string) {
        held.get(url)!.end(url);
      },
      close: () => new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    };
  }

  let backend: Awaited<ReturnType<typeof holdingBackend>>;
  let door: FrontDoor;
  let port: number;
  let upstream: { name: string; port: number };

  beforeEach(async () => {
    backend = await holdingBackend();
    upstream = { name: 'backend 1', port: backend.port };
    ({ door, port } = await listeningFrontDoor(upstream, () => {}, { limit: 2, longMs: 60_000 }));
  });

  afterEach(async () => {
    await door.close();
    await backend.close();
  });

  const get = (path: string, signal?: AbortSignal) => fetch(`http://127.0.0.1:${port}${path}`, { signal }).then(res => res.text());
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise(resolve => setTimeout(resolve, 5));
  };

  it('lets two requests at the backend at once; sign-in goes before the API requests waiting', async () => {
    const answers = ['/a', '/b', '/c', '/d'].map(p => get(p));
    await until(() => backend.arrived.length === 2);
    // Give /c and /d time to queue at the door before the sign-in comes.
    await new Promise(resolve => setTimeout(resolve, 50));
    const signIn = get('/api/auth/guest/refresh');
    await new Promise(resolve => setTimeout(resolve, 50));
    expect(backend.arrived).toEqual(['/a', '/b']);
    backend.answer('/a');
    await until(() => backend.arrived.length === 3);
    expect(backend.arrived[2]).toBe('/api/auth/guest/refresh');
    backend.answer('/api/auth/guest/refresh');
    expect(await signIn).toBe('/api/auth/guest/refresh');
    await until(() => backend.arrived.length === 4);
    backend.answer('/b');
    await until(() => backend.arrived.length === 5);
    for (const p of ['/c', '/d']) backend.answer(p);
    expect(await Promise.all(answers)).toEqual(['/a', '/b', '/c', '/d']);
  });

  it('never sends a request whose client went away while it waited, and its drain counts it only while it waits', async () => {
    const first = ['/a', '/b'].map(p => get(p));
    await until(() => backend.arrived.length === 2);
    const abort = new AbortController();
    const gone = get('/gone', abort.signal).catch(error => (error as Error).name);
    await new Promise(resolve => setTimeout(resolve, 50));
    abort.abort();
    expect(await gone).toBe('AbortError');
    const next = get('/next');
    await new Promise(resolve => setTimeout(resolve, 50));
    backend.answer('/a');
    await until(() => backend.arrived.length === 3);
    expect(backend.arrived).toEqual(['/a', '/b', '/next']);
    backend.answer('/b');
    backend.answer('/next');
    await Promise.all([...first, next]);
    expect(await door.drain(upstream, 1_000)).toEqual({ drained: true, left: 0 });
  });
});
