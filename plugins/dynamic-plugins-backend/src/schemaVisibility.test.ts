import { loadConfigSchema } from '@backstage/config-loader';
import type { JsonObject } from '@backstage/types';
import { restrictPluginVisibility, type PluginSchemas } from './schemaVisibility';

const TOKEN = 'static-token-0123456789';

/** A small app bundle schema: `app.title` and `backend.baseUrl` are frontend, as in Backstage's own. */
const appSchemas: JsonObject[] = [
  {
    path: 'node_modules/@backstage/core-app-api/package.json',
    value: {
      type: 'object',
      properties: {
        app: { type: 'object', properties: { title: { type: 'string', visibility: 'frontend' } } },
        backend: {
          type: 'object',
          properties: {
            baseUrl: { type: 'string', visibility: 'frontend' },
            auth: { $ref: '#/definitions/BackendAuth' },
          },
        },
      },
      definitions: {
        BackendAuth: {
          type: 'object',
          properties: {
            externalAccess: {
              type: 'array',
              items: { type: 'object', properties: { type: { type: 'string' }, options: { type: 'object' } } },
            },
          },
        },
      },
    },
  },
];

const config: JsonObject = {
  app: { title: 'Portal' },
  backend: {
    baseUrl: 'http://localhost:7007',
    auth: { externalAccess: [{ type: 'static', options: { token: TOKEN, subject: 'ci' } }] },
  },
  home: { title: 'Welcome', apiKey: 'home-key' },
  jfrogArtifactory: { url: 'https://jfrog.example', token: 'jfrog-token' },
};

const plugin = (name: string, value: JsonObject): PluginSchemas => ({
  package: name,
  schemas: [{ path: `node_modules/${name}/package.json`, value }],
});

/** What the app-backend would put in index.html for `schemas`. */
async function frontendConfig(schemas: JsonObject[], data: JsonObject = config): Promise<JsonObject> {
  const schema = await loadConfigSchema({ serialized: { backstageConfigSchemaVersion: 1, schemas } });
  const [visible] = schema.process([{ data, context: 'app' }], { visibility: ['frontend'] });
  return visible?.data ?? {};
}

const allSchemas = (plugins: PluginSchemas[]) => [...appSchemas, ...plugins.flatMap(p => p.schemas)];

/** The security review's plugin: it marks the backend's static access token frontend-visible. */
const tokenThief = plugin('@evil/plugin-token-thief', {
  type: 'object',
  properties: {
    backend: {
      type: 'object',
      properties: {
        auth: {
          type: 'object',
          properties: {
            externalAccess: {
              type: 'array',
              items: {
                type: 'object',
                properties: { options: { type: 'object', properties: { token: { type: 'string', visibility: 'frontend' } } } },
              },
            },
          },
        },
      },
    },
  },
});

describe('restrictPluginVisibility', () => {
  it('keeps a plugin from making backend.auth.externalAccess[].options.token visible, and reports it', async () => {
    // Unfiltered, the token reaches index.html: the reproduction.
    expect(JSON.stringify(await frontendConfig(allSchemas([tokenThief])))).toContain(TOKEN);

    const { schemas, dropped } = restrictPluginVisibility(appSchemas, [tokenThief]);
    const visible = await frontendConfig(schemas);
    expect(JSON.stringify(visible)).not.toContain(TOKEN);
    expect(visible).toEqual({ app: { title: 'Portal' }, backend: { baseUrl: 'http://localhost:7007' } });
    expect(dropped).toEqual([
      { plugin: '@evil/plugin-token-thief', path: 'backend.auth.externalAccess[].options.token', reason: 'not its own config key' },
    ]);
    // Types stay: the schema still validates the key.
    expect(JSON.stringify(schemas[1])).toContain('"token":{"type":"string"}');
  });

  it("keeps a plugin's own frontend key (home.title) visible and still validated", async () => {
    const home = plugin('@acme/plugin-home', {
      type: 'object',
      properties: { home: { type: 'object', properties: { title: { type: 'string', visibility: 'frontend' }, apiKey: { type: 'string' } } } },
    });
    const { schemas, dropped } = restrictPluginVisibility(appSchemas, [home]);
    expect(dropped).toEqual([]);
    expect(await frontendConfig(schemas)).toEqual({
      app: { title: 'Portal' },
      backend: { baseUrl: 'http://localhost:7007' },
      home: { title: 'Welcome' },
    });
    const homeNumber = plugin('@acme/plugin-home', {
      type: 'object',
      properties: { home: { type: 'object', properties: { count: { type: 'number', visibility: 'frontend' } } } },
    });
    await expect(
      frontendConfig(restrictPluginVisibility(appSchemas, [homeNumber]).schemas, { home: { count: 'many' } }),
    ).rejects.toThrow(/must be number/);
  });

  it('keeps a key hidden that another plugin marks secret, whichever plugin says frontend', async () => {
    const backendPart = plugin('@jfrog/plugin-backend', {
      type: 'object',
      properties: { jfrogArtifactory: { type: 'object', properties: { token: { type: 'string', visibility: 'secret' } } } },
    });
    const frontendPart = plugin('@jfrog/plugin', {
      type: 'object',
      properties: {
        jfrogArtifactory: {
          type: 'object',
          properties: { url: { type: 'string', visibility: 'frontend' }, token: { type: 'string', visibility: 'frontend' } },
        },
      },
    });
    const deep = plugin('@jfrog/plugin-deep', {
      type: 'object',
      properties: { jfrogArtifactory: { type: 'object', deepVisibility: 'frontend' } },
    });
    const { schemas, dropped } = restrictPluginVisibility(appSchemas, [backendPart, frontendPart, deep]);
    expect(dropped).toEqual([
      { plugin: '@jfrog/plugin', path: 'jfrogArtifactory.token', reason: 'a schema marks it secret' },
      { plugin: '@jfrog/plugin-deep', path: 'jfrogArtifactory', reason: 'a schema marks it secret' },
    ]);
    const visible = await frontendConfig(schemas);
    expect(visible.jfrogArtifactory).toEqual({ url: 'https://jfrog.example' });
  });

  it('keeps a key hidden that the app marks secret', () => {
    const apps: JsonObject[] = [
      { path: 'app', value: { type: 'object', properties: { portalInfo: { type: 'object', properties: { key: { type: 'string', visibility: 'secret' } } } } } },
    ];
    const sneaky = plugin('@acme/plugin-portal-info', {
      type: 'object',
      properties: { portalInfo: { type: 'object', properties: { key: { type: 'string', visibility: 'frontend' } } } },
    });
    // portalInfo is the app's key: reserved, and secret there as well.
    expect(restrictPluginVisibility(apps, [sneaky]).dropped).toEqual([
      { plugin: '@acme/plugin-portal-info', path: 'portalInfo.key', reason: 'not its own config key' },
    ]);
  });

  it('strips deepVisibility frontend on a reserved key, at the root, and through root patterns', async () => {
    const deep = plugin('@evil/plugin-deep', {
      type: 'object',
      deepVisibility: 'frontend',
      properties: { backend: { type: 'object', deepVisibility: 'frontend' } },
      patternProperties: { '^z': { type: 'object', deepVisibility: 'frontend' } },
      additionalProperties: { deepVisibility: 'frontend' },
      anyOf: [{ properties: { auth: { deepVisibility: 'frontend' }, home: { type: 'object', properties: { title: { visibility: 'frontend' } } } } }],
    });
    expect(JSON.stringify(await frontendConfig(allSchemas([deep])))).toContain(TOKEN);
    const { schemas, dropped } = restrictPluginVisibility(appSchemas, [deep]);
    expect(dropped.map(d => d.path).sort()).toEqual(['(root)', '*', '*', 'auth', 'backend']);
    const visible = await frontendConfig(schemas);
    expect(JSON.stringify(visible)).not.toContain(TOKEN);
    expect(visible.home).toEqual({ title: 'Welcome' });
  });

  it("does not let a plugin's definition merge into the app's definition of the same name", async () => {
    const collide = plugin('@evil/plugin-collide', {
      type: 'object',
      properties: { home: { $ref: '#/definitions/BackendAuth' } },
      definitions: {
        BackendAuth: {
          type: 'object',
          properties: { externalAccess: { type: 'array', items: { type: 'object', properties: { options: { deepVisibility: 'frontend' } } } } },
        },
      },
    });
    // Unfiltered, config-loader merges the two BackendAuth and the app's use shows the token.
    expect(JSON.stringify(await frontendConfig(allSchemas([collide])))).toContain(TOKEN);
    const { schemas } = restrictPluginVisibility(appSchemas, [collide]);
    expect(JSON.stringify(await frontendConfig(schemas))).not.toContain(TOKEN);
    // Its own use, under home, keeps working with the renamed definition.
    const homeAuth = { home: { externalAccess: [{ options: { shown: 'yes' } }] } };
    expect(await frontendConfig(schemas, homeAuth)).toEqual(homeAuth);
  });

  it('strips a definition used under a reserved key everywhere, and removes $refs outside its definitions', async () => {
    const shared = plugin('@evil/plugin-shared', {
      type: 'object',
      properties: {
        home: { $ref: '#/definitions/Options' },
        backend: {
          type: 'object',
          properties: {
            auth: {
              type: 'object',
              properties: { externalAccess: { type: 'array', items: { type: 'object', properties: { options: { $ref: '#/definitions/Options' } } } } },
            },
          },
        },
        header: { $ref: '#/properties/home' },
      },
      definitions: { Options: { type: 'object', properties: { token: { type: 'string', visibility: 'frontend' } } } },
    });
    const { schemas, dropped } = restrictPluginVisibility(appSchemas, [shared]);
    expect(dropped).toEqual([
      { plugin: '@evil/plugin-shared', path: '$ref #/properties/home', reason: 'a $ref outside its own definitions is removed' },
      { plugin: '@evil/plugin-shared', path: 'backend.auth.externalAccess[].options.token', reason: 'not its own config key' },
    ]);
    expect(JSON.stringify(await frontendConfig(schemas))).not.toContain(TOKEN);
  });

  it('treats a recursive definition with a secret as secret at every depth', () => {
    const recursive = plugin('@acme/plugin-tree', {
      type: 'object',
      properties: {
        tree: { $ref: '#/definitions/Node' },
        treeView: { properties: { children: { items: { properties: { secret: { visibility: 'frontend' } } } } } },
      },
      definitions: {
        Node: { type: 'object', properties: { secret: { visibility: 'secret' }, children: { type: 'array', items: { $ref: '#/definitions/Node' } } } },
      },
    });
    const other = plugin('@acme/plugin-tree-ui', {
      type: 'object',
      properties: { tree: { properties: { children: { items: { properties: { children: { items: { properties: { secret: { visibility: 'frontend' } } } } } } } } } },
    });
    const { dropped } = restrictPluginVisibility([], [recursive, other]);
    expect(dropped).toEqual([{ plugin: '@acme/plugin-tree-ui', path: 'tree.children[].children[].secret', reason: 'a schema marks it secret' }]);
  });
});
