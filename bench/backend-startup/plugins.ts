/**
 * The 10 backend plugins/modules the bench loads: 6 exported packages shipped
 * with the repository, 4 generated here, and the config they need.
 */
import fs from 'node:fs';
import path from 'node:path';

/** Exported dynamic packages shipped with the repository (6). */
export const SHIPPED = [
  'dynamic-plugins/dist/devportal-plugin-portal-info-backend-dynamic',
  'dynamic-plugins/dist/devportal-plugin-catalog-backend-module-devportal-links-dynamic',
  'dynamic-plugins/dist/devportal-plugin-scaffolder-backend-module-devportal-dynamic',
  '.devportal/tools/third-party/exported/backstage-plugin-proxy-backend-dynamic',
  '.devportal/tools/third-party/exported/backstage-plugin-catalog-backend-module-openapi-dynamic',
  '.devportal/tools/third-party/exported/roadiehq-scaffolder-backend-module-utils-dynamic',
];
export const GENERATED_COUNT = 4;
const PORTAL_INFO_CONFIG = {
  portalInfo: {
    links: [
      { title: 'Software catalog', url: '/catalog', icon: 'catalog' },
      { title: 'Create a component', url: '/create', icon: 'scaffolder' },
      { title: 'Documentation', url: '/docs', icon: 'docs' },
    ],
  },
};
/** Nothing listens on port 9 (discard): the proxy answers 5xx, not 404. */
const PROXY_CONFIG = { proxy: { endpoints: { '/bench': { target: 'http://127.0.0.1:9', credentials: 'dangerously-allow-unauthenticated' } } } };

export interface GeneratedPlugin {
  dir: string;
  name: string;
  pluginId: string;
}

/** The `pluginConfig` of a plugin source folder in the generated dynamic-plugins.yaml. */
export function pluginConfigFor(dir: string, generated: GeneratedPlugin[]): Record<string, unknown> | undefined {
  if (dir.endsWith('portal-info-backend-dynamic')) return PORTAL_INFO_CONFIG;
  if (dir.endsWith('proxy-backend-dynamic')) return PROXY_CONFIG;
  const g = generated.find(x => x.dir === dir);
  if (g) return { benchPlugins: { [g.pluginId]: { greeting: `hello from ${g.name}` } } };
  return undefined;
}

/**
 * A simple backend plugin as plain CommonJS (like the e2e fixtures), with a
 * route, a little config and, for realism, some module code: a few library
 * files of small functions and tables.
 */
export function generatePlugin(dir: string, index: number): GeneratedPlugin {
  const name = `@bench/backend-plugin-${index}`;
  const pluginId = `bench-${index}`;
  fs.mkdirSync(path.join(dir, 'dist/lib'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name,
        version: '1.0.0',
        main: 'dist/index.cjs.js',
        backstage: { role: 'backend-plugin', pluginId },
        peerDependencies: { '@backstage/backend-plugin-api': '^1.10.1' },
      },
      null,
      2,
    ),
  );
  const libs = 4;
  for (let l = 0; l < libs; l++) {
    const fns: string[] = [];
    for (let f = 0; f < 40; f++) {
      fns.push(`function op${f}(input) {
  const values = Array.isArray(input) ? input : [input];
  let acc = ${f};
  for (const v of values) acc = (acc * 31 + String(v).length + ${l}) % 1000003;
  return { op: 'lib${l}.op${f}', acc, label: TABLE[${f} % TABLE.length].label };
}
exports.op${f} = op${f};`);
    }
    const table = Array.from({ length: 50 }, (_, i) => ({ id: i, label: `plugin-${index}-lib-${l}-entry-${i}`, weight: (i * 7 + l) % 13 }));
    fs.writeFileSync(
      path.join(dir, `dist/lib/lib${l}.cjs.js`),
      `'use strict';\nconst TABLE = ${JSON.stringify(table)};\nexports.TABLE = TABLE;\n${fns.join('\n')}\n`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'dist/index.cjs.js'),
    `'use strict';
const { createBackendPlugin, coreServices } = require('@backstage/backend-plugin-api');
const express = require('express');
const libs = [${Array.from({ length: libs }, (_, l) => `require('./lib/lib${l}.cjs.js')`).join(', ')}];

exports.default = createBackendPlugin({
  pluginId: ${JSON.stringify(pluginId)},
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, config: coreServices.rootConfig, logger: coreServices.logger },
      async init({ httpRouter, config, logger }) {
        const greeting = config.getOptionalString(${JSON.stringify(`benchPlugins.${pluginId}.greeting`)}) ?? 'hello';
        const router = express.Router();
        router.get('/hello', (req, res) => res.json({ plugin: ${JSON.stringify(name)}, greeting }));
        router.get('/ops/:lib/:op', (req, res) => {
          const fn = libs[Number(req.params.lib)]?.['op' + req.params.op];
          if (!fn) return res.status(404).json({ error: 'no such op' });
          return res.json(fn(String(req.query.input ?? '').split(',')));
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/hello', allow: 'unauthenticated' });
        logger.info(${JSON.stringify(`${name} ready`)});
      },
    });
  },
});
`,
  );
  return { dir, name, pluginId };
}
