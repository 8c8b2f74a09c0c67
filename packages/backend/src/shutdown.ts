import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { LifecycleService, RootLifecycleService } from '@backstage/backend-plugin-api';
import { rootHttpRouterServiceFactory } from '@backstage/backend-defaults/rootHttpRouter';
import type { Handler } from 'express';

/** How long requests in flight get to finish after SIGTERM before every connection is closed. */
export const DRAIN_MS = 3_000;

/**
 * Stops the HTTP server within a few seconds of SIGTERM, whatever its clients
 * do. Backstage's own stop closes idle connections and then waits for the
 * active ones, and some never end on their own: the events bus long polls
 * (the backend polls itself, ~55 s each), SSE streams, websockets (upgraded
 * sockets are not even the server's any more), a client that sends half a
 * request. Kubernetes rollouts, `./devportal start`'s Ctrl-C and live apply
 * all need the process gone within 5 s.
 *
 * On shutdown: requests still arriving on kept-alive connections are answered
 * with `Connection: close`, so well-behaved clients move to the next process;
 * requests in flight get `DRAIN_MS` to finish; then every socket the server
 * accepted is destroyed, which ends `server.close()`.
 */
export function drainOnShutdown(
  server: Server,
  // The configure context types it as a plugin lifecycle; at run time it is
  // the root one, whose before-shutdown hooks run first of all.
  lifecycle: LifecycleService & Partial<Pick<RootLifecycleService, 'addBeforeShutdownHook'>>,
  drainMs = DRAIN_MS,
): Handler {
  const sockets = new Set<Socket>();
  server.on('connection', socket => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  let shuttingDown = false;
  const startDraining = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    server.closeIdleConnections();
    setTimeout(() => {
      for (const socket of sockets) socket.destroy();
    }, drainMs).unref();
  };
  if (lifecycle.addBeforeShutdownHook) lifecycle.addBeforeShutdownHook(startDraining);
  else lifecycle.addShutdownHook(startDraining);
  return (_req, res, next) => {
    if (shuttingDown) res.setHeader('Connection', 'close');
    next();
  };
}

/** Backstage's root HTTP router with `drainOnShutdown` in front of everything else. */
export const drainingRootHttpRouter = rootHttpRouterServiceFactory({
  configure(context) {
    context.app.use(drainOnShutdown(context.server, context.lifecycle));
    context.applyDefaults();
  },
});
