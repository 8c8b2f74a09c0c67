import { FrontDoor, type Upstream } from './frontDoor';
import { freeLoopbackPort } from './generation';
import type { RequestGateOptions } from './requestGate';

/** For tests: a FrontDoor listening on a free loopback port, switched to `upstream`. */
export async function listeningFrontDoor(
  upstream: Upstream,
  log: (line: string) => void = () => {},
  gate?: RequestGateOptions,
): Promise<{ door: FrontDoor; port: number }> {
  const door = new FrontDoor({ log, ...(gate ? { gate } : {}) });
  const port = await freeLoopbackPort();
  await door.listen(port, '127.0.0.1');
  door.switchTo(upstream);
  return { door, port };
}
