import { FrontDoor, type Upstream } from './frontDoor';
import { freeLoopbackPort } from './generation';

/** For tests: a FrontDoor listening on a free loopback port, switched to `upstream`. */
export async function listeningFrontDoor(upstream: Upstream, log: (line: string) => void = () => {}): Promise<{ door: FrontDoor; port: number }> {
  const door = new FrontDoor({ log });
  const port = await freeLoopbackPort();
  await door.listen(port, '127.0.0.1');
  door.switchTo(upstream);
  return { door, port };
}
