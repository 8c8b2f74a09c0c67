import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { signInAsGuest, startBackend } from '../support/backend.ts';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * Kubernetes rollouts, Ctrl-C on ./devportal start and live apply need the
 * backend gone within 5 s of SIGTERM. Before, it waited ~55 s for the events
 * bus long polls it makes to itself, and for any client that kept a request
 * open (packages/backend/src/shutdown.ts).
 */
describe('backend shutdown', () => {
  it('exits within 5 s of SIGTERM with long polls and a half-sent request open, finishing a request in flight', async () => {
    const backend = await startBackend({ withBundledPlugins: false });
    let halfOpen: net.Socket | undefined;
    try {
      const token = await signInAsGuest(backend.baseUrl);
      // The events bus long polls start a few seconds after readiness.
      await sleep(3_000);
      // A client that sent half a request: an active connection that never ends by itself.
      halfOpen = net.connect(backend.port, '127.0.0.1');
      halfOpen.on('error', () => {});
      halfOpen.write('GET /api/catalog/entities HTTP/1.1\r\nHost: localhost\r\n');
      // A request in flight when the signal comes.
      const inFlight = fetch(`${backend.baseUrl}/api/catalog/entities?limit=500`, { headers: { authorization: `Bearer ${token}` } });
      await sleep(100);

      backend.kill('SIGTERM');
      const deadline = sleep(5_000).then(() => 'still running after 5 s');
      const outcome = await Promise.race([backend.exited.then(code => `exited with ${code}`), deadline]);
      assert.equal(outcome, 'exited with 0');
      const res = await inFlight;
      assert.equal(res.status, 200);
      assert.ok(Array.isArray(await res.json()));
    } finally {
      halfOpen?.destroy();
      await backend.stop();
    }
  });
});
