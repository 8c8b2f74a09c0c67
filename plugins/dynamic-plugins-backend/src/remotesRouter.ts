import path from 'node:path';
import express from 'express';
import Router from 'express-promise-router';
import { GENERATION_HEADER, remoteFileCacheControl, unknownRemoteMessage } from '@devportal/plugin-dynamic-plugins-common';
import type { ServedRemote } from './frontendRemotes';

/**
 * Serves the list of enabled frontend remotes and their files, mounted at
 * `REMOTES_MOUNT`. Public, like the app bundle itself: the browser needs it
 * before anyone signs in.
 *
 * `current` is asked at every request, so the list and the files follow the
 * installer's state without a restart. The list carries the marketplace
 * generation this backend serves (GENERATION_HEADER). Under a supervisor the
 * front door answers the same paths from what remotesPublisher sends it, so
 * these routes serve backends run without one and the moments before the
 * first snapshot arrives.
 */
export function createRemotesRouter(current: () => Promise<ServedRemote[]>, servedGeneration: () => number | null = () => null): express.Router {
  const router = Router();
  // One static handler per assets folder, made when first asked for.
  const handlers = new Map<string, express.Handler>();
  const handlerFor = (assetsDir: string) => {
    let handler = handlers.get(assetsDir);
    if (!handler) {
      handler = express.static(assetsDir, {
        fallthrough: false,
        index: false,
        dotfiles: 'deny',
        setHeaders(res, filePath) {
          res.setHeader('Cache-Control', remoteFileCacheControl(path.basename(filePath)));
        },
      });
      handlers.set(assetsDir, handler);
    }
    return handler;
  };

  router.get('/remotes', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    // Open pages compare it with the one they loaded with: a new one means "Plugins changed — reload".
    res.setHeader(GENERATION_HEADER, String(servedGeneration() ?? 0));
    res.json((await current()).map(s => s.remote));
  });
  // `@scope/name` arrives encoded as one path segment (%40scope%2Fname).
  router.use('/remotes/:packageName', async (req, res, next) => {
    const served = (await current()).find(s => s.remote.packageName === req.params.packageName);
    if (!served) {
      res.status(404).json({ error: { name: 'NotFoundError', message: unknownRemoteMessage(req.params.packageName) } });
      return;
    }
    handlerFor(served.assetsDir)(req, res, next);
  });
  return router;
}
