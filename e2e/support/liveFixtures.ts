import type { StartedVerdaccio } from './verdaccio.ts';

/**
 * Backend plugin fixtures for live apply, published to verdaccio by
 * e2e/integration/live-apply.test.ts and bench/live-apply: CommonJS sources
 * of `dist/index.cjs.js`, so they need no build.
 */

/** A backend plugin with its own table, a GET and a POST route, answering its version. */
export function routePlugin(version: string) {
  return `
const { createBackendPlugin, coreServices } = require('@backstage/backend-plugin-api');
const express = require('express');
exports.default = createBackendPlugin({
  pluginId: 'live-route',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, database: coreServices.database },
      async init({ httpRouter, database }) {
        const db = await database.getClient();
        // A new plugin's migration: runs once, whichever generation gets there first.
        if (!(await db.schema.hasTable('live_items'))) {
          await db.schema.createTable('live_items', t => { t.increments('id'); t.string('name'); });
        }
        const router = express.Router();
        router.use(express.json());
        router.get('/version', (req, res) => res.json({ version: ${JSON.stringify(version)}, pid: process.pid }));
        router.post('/items', async (req, res) => {
          await db('live_items').insert({ name: String(req.body.name) });
          res.status(201).json({ ok: true });
        });
        router.get('/items', async (req, res) => res.json({ count: Number((await db('live_items').count({ n: '*' }))[0].n) }));
        // A route that throws: Backstage answers 500 for that request and the process serves on.
        router.get('/throws', () => { throw new Error('live-route route failed'); });
        router.get('/crash', (req, res) => {
          res.json({ crashing: true });
          // A route that takes the process down (a native crash or running out of
          // memory looks the same to the supervisor; Backstage logs a thrown
          // error outside a request and carries on, so exit is the stand-in).
          if (${JSON.stringify(version)} === 'crash') setTimeout(() => process.exit(70), 10);
        });
        httpRouter.use(router);
        for (const p of ['/version', '/items', '/crash', '/throws']) httpRouter.addAuthPolicy({ path: p, allow: 'unauthenticated' });
      },
    });
  },
});
`;
}

/** A backend plugin whose init runs `init`: one that throws, one that hangs. */
export function initPlugin(pluginId: string, init: string) {
  return `
const { createBackendPlugin } = require('@backstage/backend-plugin-api');
exports.default = createBackendPlugin({
  pluginId: ${JSON.stringify(pluginId)},
  register(env) {
    env.registerInit({ deps: {}, async init() { ${init} } });
  },
});
`;
}

/** Publishes a backend plugin fixture (`routePlugin`, `initPlugin`) as `name@version`. */
export function publishBackendPlugin(npm: StartedVerdaccio, name: string, version: string, code: string, pluginId: string) {
  return npm.publish({
    name,
    version,
    files: { 'dist/index.cjs.js': code },
    packageJson: { backstage: { role: 'backend-plugin', pluginId } },
  });
}
