import { ConfigReader } from '@backstage/config';
import type { FrontendFeature } from '@backstage/frontend-plugin-api';
import type { DynamicPluginsApi } from './apis/dynamicPlugins';
import type { PluginFailuresApi } from './apis/failures';
import type { MenuOrderApi } from './apis/menuOrder';
import { dynamicFrontendFeaturesLoader } from './loader';

interface ExtensionLike {
  id: string;
  factory(context: object): Iterable<{ id: string; value: any }>;
}

/** Runs the loader as the app does, and reads the APIs it hands the app from its features. */
async function load(config: object, fetchImpl: typeof fetch) {
  const loader = dynamicFrontendFeaturesLoader({ fetch: fetchImpl }) as unknown as {
    loader(deps: { config: ConfigReader }): Promise<FrontendFeature[]>;
  };
  const features = await loader.loader({ config: new ConfigReader({ backend: { baseUrl: 'http://portal' }, ...config }) });
  const plugin = features.find(f => (f as { id?: string }).id === 'dynamic-plugins') as unknown as { extensions: ExtensionLike[] };
  const api = <T>(name: string): T => {
    const extension = plugin.extensions.find(e => e.id === `api:dynamic-plugins/${name}`)!;
    const outputs = [...extension.factory({ node: { spec: {} }, apis: { get: () => undefined }, config: {}, inputs: {} })];
    return outputs.find(o => o.id === 'core.api.factory')!.value.factory({});
  };
  return {
    features,
    failures: api<PluginFailuresApi>('failures'),
    menuOrder: api<MenuOrderApi>('menu-order'),
    remotes: api<DynamicPluginsApi>('remotes'),
  };
}

const answering = (...bodies: unknown[]) => {
  const queue = [...bodies];
  return jest.fn(async () => ({ ok: true, status: 200, json: async () => queue.shift() ?? [] })) as unknown as typeof fetch & jest.Mock;
};

const wiring = {
  dynamicPlugins: {
    frontend: {
      'demo.plugin': {
        dynamicRoutes: [{ path: '/demo', importName: 'DemoPage', menuItem: { text: 'Demo' } }],
        menuItems: { demos: { title: 'Demos' }, DemoPage: { parent: 'demos' } },
      },
    },
  },
};

describe('dynamicFrontendFeaturesLoader', () => {
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => {}));

  it('gives each load its own failures and menu order', async () => {
    const broken = jest.fn(async () => ({ ok: false, status: 503 })) as unknown as typeof fetch;
    const first = await load(wiring, broken);
    const second = await load({}, answering([]));
    expect(first.failures.list().map(f => f.packageName)).toContain('all dynamic frontend plugins');
    expect(first.menuOrder.group('demos')?.title).toBe('Demos');
    expect(second.failures.list()).toEqual([]);
    expect(second.menuOrder.group('demos')).toBeUndefined();
    expect(second.menuOrder.placement('page:dynamic-demo-plugin/route-0')).toBeUndefined();
    expect(first.menuOrder.placement('page:dynamic-demo-plugin/route-0')).toEqual({ parent: 'demos', priority: undefined });
  });

  it('asks the backend again for the remotes list, keeping what it loaded', async () => {
    const remote = (name: string) => ({ packageName: name, remoteInfo: { name, entry: `http://portal/${name}/remoteEntry.js` }, exposedModules: ['.'] });
    const fetchImpl = answering([], [remote('later')]);
    const { remotes, features } = await load({}, fetchImpl);
    expect(remotes.loadedRemotes()).toEqual([]);
    expect((await remotes.listRemotes()).map(r => r.packageName)).toEqual(['later']);
    expect(fetchImpl).toHaveBeenCalledTimes(2);
    expect(fetchImpl.mock.calls[1][0]).toBe('http://portal/.backstage/dynamic-features/remotes');
    expect(remotes.loadedRemotes()).toEqual([]);
    // No home plugin among the remotes: the plain home page takes `/`.
    expect(features.some(f => (f as { pluginId?: string }).pluginId === 'app')).toBe(true);
  });
});

describe('the admin Plugins page', () => {
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => {}));
  const ids = (features: FrontendFeature[]) =>
    (features.find(f => (f as { id?: string }).id === 'dynamic-plugins') as unknown as { extensions: ExtensionLike[] }).extensions.map(e => e.id);

  it('joins the app when the remotes list cannot be fetched', async () => {
    const { features } = await load({}, jest.fn(async () => ({ ok: false, status: 503 })) as unknown as typeof fetch);
    expect(ids(features)).toEqual(expect.arrayContaining(['page:dynamic-plugins/plugins', 'api:dynamic-plugins/marketplace']));
  });

  it('joins the app when loading the remotes throws', async () => {
    let isolatedLoader: typeof dynamicFrontendFeaturesLoader = dynamicFrontendFeaturesLoader;
    jest.isolateModules(() => {
      jest.doMock('./rhdh/config', () => ({
        ...jest.requireActual('./rhdh/config'),
        readWiring: () => {
          throw new Error('an unexpected bug');
        },
      }));
      isolatedLoader = require('./loader').dynamicFrontendFeaturesLoader;
    });
    const loader = isolatedLoader({ fetch: answering([]) }) as unknown as { loader(deps: { config: ConfigReader }): Promise<FrontendFeature[]> };
    const features = await loader.loader({ config: new ConfigReader({ backend: { baseUrl: 'http://portal' } }) });
    expect(ids(features)).toContain('page:dynamic-plugins/plugins');
    // The fallback home takes / as when no plugin provides one.
    expect(features.some(f => (f as { $$type?: string }).$$type === '@backstage/FrontendModule')).toBe(true);
  });
});
