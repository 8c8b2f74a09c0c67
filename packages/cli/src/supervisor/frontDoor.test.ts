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
