import { ConfigReader } from '@backstage/config';
import { readPluginWiring } from '../config';
import { createRouteBinder, targetNameOf } from './routeBindings';

describe('targetNameOf', () => {
  it("names an app plugin the way RHDH's binding targets do", () => {
    expect(targetNameOf('catalog')).toBe('catalogPlugin');
    expect(targetNameOf('user-settings')).toBe('userSettingsPlugin');
    expect(targetNameOf('catalog-graph')).toBe('catalogGraphPlugin');
  });
});

describe('createRouteBinder', () => {
  const appCatalogIndex = { app: 'catalog index' };
  const externalCatalog = { external: 'catalog' };
  const externalOther = { external: 'other' };
  const otherRoot = { route: 'other root' };
  const exports: Record<string, Record<string, unknown>> = {
    'plugin.a': { aPlugin: { externalRoutes: { catalog: externalCatalog, other: externalOther, missing: {} } } },
    'plugin.b': { bPlugin: { routes: { root: otherRoot } }, BPage: { __backstage_data: { map: new Map([['core.mountPoint', otherRoot]]) } } },
  };
  const remote = (name: string, wiring: object) => ({
    label: name,
    wiring: readPluginWiring(name, new ConfigReader(wiring as never)),
    load: jest.fn(async (_module: string, importName: string) => exports[name][importName]),
  });

  it("maps a plugin's external routes to an app route or another dynamic plugin's route path, and reports the rest", async () => {
    const a = remote('plugin.a', {
      routeBindings: {
        targets: [{ importName: 'aPlugin' }],
        bindings: [
          {
            bindTarget: 'aPlugin.externalRoutes',
            bindMap: { catalog: 'catalogPlugin.routes.catalogIndex', other: 'bPlugin.routes.root', missing: 'nowherePlugin.routes.root' },
          },
        ],
      },
    });
    const b = remote('plugin.b', {
      dynamicRoutes: [{ path: '/b', importName: 'BPage' }],
      routeBindings: { targets: [{ importName: 'bPlugin' }] },
    });
    const problems: string[] = [];
    const bind = createRouteBinder([a, b], (name, message) => problems.push(`${name}: ${message}`));
    const aliases = await bind(a, new Map([['catalogPlugin', { routes: { catalogIndex: appCatalogIndex } }]]));
    expect(aliases.get(externalCatalog)).toBe(appCatalogIndex);
    expect(aliases.get(externalOther)).toEqual({ path: '/b' });
    expect(problems).toEqual(['plugin.a: routeBindings aPlugin.externalRoutes: no target named nowherePlugin']);
    // Bindings of another plugin's targets are not this remote's business.
    expect((await bind(b, new Map())).size).toBe(0);
  });
});
