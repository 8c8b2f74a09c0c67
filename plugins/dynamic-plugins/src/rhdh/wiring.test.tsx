import { ConfigReader } from '@backstage/config';
import type { AnyApiFactory, FrontendFeature } from '@backstage/frontend-plugin-api';
import { MenuOrder } from '../apis/menuOrder';
import { readPluginWiring, WIRING_KEYS, type WiringKey } from './config';
import type { AppWiring, WiredRemote, WiringHandler } from './types';
import { applyWiring, pluginIdFor, wiredFeatures } from './wiring';

function wiredRemote(config: object, apiFactories: AnyApiFactory[] = []): WiredRemote {
  return {
    wiring: readPluginWiring('demo.plugin', new ConfigReader(config as never)),
    label: '@demo/plugin',
    pluginId: pluginIdFor('demo.plugin'),
    load: jest.fn(async () => () => null),
    apiFactories,
  };
}

/** Each feature as `<plugin or module id>: <extension ids>`. */
function extensionIds(features: FrontendFeature[]) {
  return features.map(f => {
    const feature = f as unknown as { id?: string; pluginId?: string; extensions: { id: string }[] };
    return `${feature.id ?? feature.pluginId}: ${feature.extensions.map(e => e.id).join(', ')}`;
  });
}

describe('applyWiring', () => {
  const app = (): AppWiring => ({
    onProblem: jest.fn(),
    menuOrder: new MenuOrder(),
    iconBundles: [],
    tabMounts: new Map(),
    tabs: new Map(),
    bindRoutes: jest.fn(),
    anyBindings: false,
  });

  it('runs the handler of each key the wiring has, in table order, and notes keys no handler knows in the console', () => {
    const calls: string[] = [];
    const handlers = Object.fromEntries(WIRING_KEYS.map(key => [key, jest.fn<void, Parameters<WiringHandler>>(() => void calls.push(key))])) as Record<WiringKey, jest.Mock<void, Parameters<WiringHandler>>>;
    const context = app();
    const remote = wiredRemote({
      mountPoints: [],
      translationResources: [{ importName: 'demoTranslations' }],
      dynamicRoutes: [],
      routeBindings: { targets: [] },
    });
    const warnings: unknown[] = [];
    const warn = jest.spyOn(console, 'warn').mockImplementation(message => warnings.push(message));
    try {
      applyWiring(remote, context, handlers);
    } finally {
      warn.mockRestore();
    }
    expect(calls).toEqual(['routeBindings', 'dynamicRoutes', 'mountPoints']);
    expect(handlers.dynamicRoutes).toHaveBeenCalledWith({ remote, extensions: [] }, context);
    // Not a failure panel: the plugin works without the keys DevPortal leaves out.
    expect(context.onProblem).not.toHaveBeenCalled();
    expect(warnings).toEqual(['@demo/plugin: dynamicPlugins.frontend key translationResources is not supported by DevPortal; it is ignored']);
  });
});

describe('wiredFeatures: what each key makes', () => {
  const factory = { api: { id: 'plugin.demo.api' }, deps: {}, factory: () => ({}) } as unknown as AnyApiFactory;
  const cases: Array<[WiringKey, object, string[]]> = [
    ['dynamicRoutes', { dynamicRoutes: [{ path: '/demo', importName: 'DemoPage' }] }, ['dynamic-demo-plugin: page:dynamic-demo-plugin/route-0']],
    [
      'mountPoints',
      {
        mountPoints: [
          { mountPoint: 'entity.page.overview/cards', importName: 'Card' },
          { mountPoint: 'entity.page.ci/cards', importName: 'CiCard' },
          { mountPoint: 'home.page/cards', importName: 'HomeCard' },
          { mountPoint: 'global.header/component', importName: 'Widget' },
        ],
      },
      [
        'dynamic-demo-plugin: entity-card:dynamic-demo-plugin/card-0, dynamic-slot:dynamic-demo-plugin/home-card-2, dynamic-slot:dynamic-demo-plugin/header-widget-3',
        'catalog: entity-content:catalog/dynamic-ci',
      ],
    ],
    ['appIcons', { appIcons: [{ name: 'demo', importName: 'DemoIcon' }] }, ['app: icon-bundle:app/dynamic-icons-dynamic-demo-plugin']],
    [
      'scaffolderFieldExtensions',
      { scaffolderFieldExtensions: [{ importName: 'DemoField' }] },
      ['dynamic-demo-plugin: scaffolder-form-field:dynamic-demo-plugin/field-0'],
    ],
    ['apiFactories', { apiFactories: [{ importName: 'demoApi' }] }, ['dynamic-demo-plugin: api:dynamic-demo-plugin/api-0']],
    // These change what other keys make, and make nothing alone.
    ['entityTabs', { entityTabs: [{ path: '/ci', title: 'CI', mountPoint: 'entity.page.ci' }] }, []],
    ['menuItems', { menuItems: { demoGroup: { title: 'Demos' } } }, []],
    ['routeBindings', { routeBindings: { targets: [{ importName: 'demoPlugin' }] } }, []],
  ];

  it.each(cases)('%s', (_key, config, expected) => {
    const onProblem = jest.fn();
    const features = wiredFeatures([wiredRemote(config, [factory])], { onProblem, menuOrder: new MenuOrder() });
    expect(extensionIds(features)).toEqual(expected);
    expect(onProblem).not.toHaveBeenCalled();
  });

  it('covers every key of the table', () => {
    expect(cases.map(([key]) => key).sort()).toEqual([...WIRING_KEYS].sort());
  });

  it('reports a mount point the table does not know, and keeps the others', () => {
    const onProblem = jest.fn();
    const features = wiredFeatures(
      [wiredRemote({ mountPoints: [{ mountPoint: 'search.page.results', importName: 'X' }, { mountPoint: 'home.page/cards', importName: 'Y' }] })],
      { onProblem, menuOrder: new MenuOrder() },
    );
    expect(extensionIds(features)).toEqual(['dynamic-demo-plugin: dynamic-slot:dynamic-demo-plugin/home-card-1']);
    expect(onProblem).toHaveBeenCalledWith('@demo/plugin', 'mount point search.page.results is not supported by DevPortal; it is ignored');
  });

  it('names and places sidebar items by menuItems: a group, an item under it, a hidden item', () => {
    const menuOrder = new MenuOrder();
    const remote = wiredRemote({
      dynamicRoutes: [
        { path: '/a', importName: 'APage', menuItem: { text: 'A' } },
        { path: '/b', importName: 'BPage', menuItem: { text: 'B' } },
      ],
      menuItems: { demos: { title: 'Demos', priority: 100 }, APage: { parent: 'demos', priority: 2 }, BPage: { enabled: false, priority: 5 } },
    });
    wiredFeatures([remote], { onProblem: jest.fn(), menuOrder });
    expect(menuOrder.group('demos')).toEqual({ name: 'demos', title: 'Demos', icon: undefined, priority: 100 });
    expect(menuOrder.placement('page:dynamic-demo-plugin/route-0')).toEqual({ priority: 2, parent: 'demos' });
    expect(menuOrder.placement('page:dynamic-demo-plugin/route-1')).toBeUndefined();
  });

  it('titles a tab from entityTabs, whichever plugin declares it', () => {
    const tabs = wiredFeatures(
      [
        wiredRemote({ mountPoints: [{ mountPoint: 'entity.page.radar/cards', importName: 'Card' }] }),
        { ...wiredRemote({ entityTabs: [{ path: '/our-radar', title: 'Our Radar', mountPoint: 'entity.page.radar' }] }), pluginId: 'dynamic-other' },
      ],
      { onProblem: jest.fn(), menuOrder: new MenuOrder() },
    ).find(f => (f as { pluginId?: string }).pluginId === 'catalog') as unknown as { extensions: { factory(c: object): Iterable<{ id: string; value: unknown }> }[] };
    const outputs = [...tabs.extensions[0].factory({ node: { spec: {} }, apis: { get: () => undefined }, config: {}, inputs: {} })];
    expect(outputs.find(o => o.id === 'core.routing.path')?.value).toBe('/our-radar');
    expect(outputs.find(o => o.id === 'catalog.entity-content-title')?.value).toBe('Our Radar');
  });
});
