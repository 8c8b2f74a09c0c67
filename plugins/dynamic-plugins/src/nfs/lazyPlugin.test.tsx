import { ConfigReader } from '@backstage/config';
import {
  createApiRef,
  createRouteRef,
  routeResolutionApiRef,
  useApi,
  useRouteRef,
  type ApiHolder,
} from '@backstage/frontend-plugin-api';
import { render, screen } from '@testing-library/react';
import { isValidElement, type ReactElement } from 'react';
import { MemoryRouter } from 'react-router-dom';
import type { ExtensionManifest } from '@devportal/plugin-dynamic-plugins-common';
import { lazyPlugin } from './lazyPlugin';
import { ApiHolderProvider } from './routeAliases';
import { configuredExtensions } from './standIn';

const manifest: ExtensionManifest = {
  version: 1,
  module: '.',
  pluginId: 'demo',
  routes: { root: { params: [] } },
  externalRoutes: {},
  routeRefs: {},
  featureFlags: [],
  extensions: [
    {
      id: 'page:demo',
      kind: 'page',
      attachTo: { id: 'app/routes', input: 'routes' },
      disabled: false,
      inputs: { pages: { data: [{ id: 'core.reactElement', optional: false }], singleton: false, optional: false, internal: false } },
      output: [
        { id: 'core.routing.path', optional: false },
        { id: 'core.reactElement', optional: false },
        { id: 'core.routing.ref', optional: true },
        { id: 'core.icon', optional: true },
      ],
      configurable: true,
      values: [
        { id: 'core.routing.path', value: '/demo' },
        { id: 'core.reactElement', value: { $element: true } },
        { id: 'core.routing.ref', value: { $routeRef: 'routes.root' } },
        { id: 'core.icon', value: { $html: '<svg data-testid="demo-icon"></svg>' } },
      ],
    },
    {
      id: 'api:demo',
      kind: 'api',
      attachTo: { id: 'root', input: 'apis' },
      disabled: true,
      inputs: {},
      output: [{ id: 'core.api.factory', optional: false }],
      configurable: false,
      values: [{ id: 'core.api.factory', value: { $apiFactory: { api: 'plugin.demo.api', deps: {} } } }],
    },
  ],
};

interface StandIn {
  routes: Record<string, unknown>;
  extensions: { id: string; attachTo: unknown; disabled: boolean; factory(context: unknown): Iterable<{ id: string; value: any }> }[];
}

/** The real plugin, as its code would give it: a page whose element uses its own route ref and API. */
function realPlugin() {
  const realRoot = createRouteRef();
  const demoApiRef = createApiRef<{ hello(): string }>({ id: 'plugin.demo.api' });
  function Page() {
    const link = useRouteRef(realRoot);
    return <a href={link?.()}>{useApi(demoApiRef).hello()}</a>;
  }
  const extension = (id: string, values: { id: string; value: unknown }[]) => ({ id, factory: () => values });
  return {
    $$type: '@backstage/FrontendPlugin',
    routes: { root: realRoot },
    extensions: [
      extension('page:demo', [
        { id: 'core.routing.path', value: '/demo' },
        { id: 'core.reactElement', value: <Page /> },
        { id: 'core.routing.ref', value: realRoot },
      ]),
      extension('api:demo', [{ id: 'core.api.factory', value: { api: demoApiRef, deps: {}, factory: () => ({ hello: () => 'hello from the real API' }) } }]),
    ],
  };
}

describe('lazyPlugin', () => {
  it('stands in for the plugin with the same extensions, without loading its code', () => {
    const load = jest.fn();
    const plugin = lazyPlugin(manifest, { label: 'demo-package', load }) as unknown as StandIn;
    expect(plugin.extensions.map(e => [e.id, e.attachTo, e.disabled])).toEqual([
      ['page:demo', { id: 'app/routes', input: 'routes' }, false],
      ['api:demo', { id: 'root', input: 'apis' }, true],
    ]);
    const outputs = [...plugin.extensions[0].factory({ node: { spec: {} }, apis: { get: () => undefined }, config: {}, inputs: { pages: [] } })];
    const byId = Object.fromEntries(outputs.map(o => [o.id, o.value]));
    expect(byId['core.routing.path']).toBe('/demo');
    expect(byId['core.routing.ref']).toBe(plugin.routes.root);
    expect(isValidElement(byId['core.reactElement'])).toBe(true);
    expect(load).not.toHaveBeenCalled();
  });

  it("renders the real element on first render, with the real plugin's route refs and APIs working", async () => {
    const real = realPlugin();
    const load = jest.fn(async () => ({ default: real }));
    const plugin = lazyPlugin(manifest, { label: 'demo-package', load }) as unknown as StandIn;
    const resolved: unknown[] = [];
    const apis: ApiHolder = {
      get(ref) {
        if (ref.id === routeResolutionApiRef.id) {
          return { resolve: (r: unknown) => (r === plugin.routes.root ? () => '/demo' : (resolved.push(r), undefined)) } as never;
        }
        if (ref.id === 'plugin.demo.api') {
          const factory = [...plugin.extensions[1].factory({ node: { spec: {} }, apis, config: {}, inputs: {} })][0].value;
          return factory.factory({});
        }
        return undefined;
      },
    };
    const context = { node: { spec: {} }, apis, config: {}, inputs: { pages: [] } };
    const element = [...plugin.extensions[0].factory(context)].find(o => o.id === 'core.reactElement')!.value as ReactElement;
    render(
      <MemoryRouter>
        <ApiHolderProvider holder={apis}>{element}</ApiHolderProvider>
      </MemoryRouter>,
    );
    const link = await screen.findByText('hello from the real API');
    expect(link.getAttribute('href')).toBe('/demo');
    expect(resolved).toEqual([]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("shows an error panel naming the plugin when its code doesn't load", async () => {
    const plugin = lazyPlugin(manifest, { label: 'demo-package', load: async () => Promise.reject(new Error('HTTP 404')) }) as unknown as StandIn;
    const apis: ApiHolder = { get: () => undefined };
    const element = [...plugin.extensions[0].factory({ node: { spec: {} }, apis, config: {}, inputs: { pages: [] } })].find(
      o => o.id === 'core.reactElement',
    )!.value as ReactElement;
    jest.spyOn(console, 'error').mockImplementation(() => {});
    render(<ApiHolderProvider holder={apis}>{element}</ApiHolderProvider>);
    expect((await screen.findByTestId('dynamic-plugin-error')).getAttribute('data-plugin')).toBe('demo-package');
  });
});

describe('lazyPlugin for a module', () => {
  it('stands in for a FrontendModule with its extensions under the plugin it extends', () => {
    const module = lazyPlugin(
      { ...manifest, feature: 'module', pluginId: 'catalog', routes: {}, extensions: [{ ...manifest.extensions[1], id: 'api:catalog' }] },
      { label: 'module-package', load: jest.fn() },
    ) as unknown as StandIn & { $$type: string; pluginId: string };
    expect(module.$$type).toBe('@backstage/FrontendModule');
    expect(module.pluginId).toBe('catalog');
    expect(module.extensions.map(e => e.id)).toEqual(['api:catalog']);
  });
});

describe('configuredExtensions', () => {
  it('lists the extensions app.extensions gives config to, with the keys it sets', () => {
    const config = new ConfigReader({
      app: { extensions: ['page:a', { 'page:b': false }, { 'page:c': { config: { path: '/c' } } }, { 'nav-item:d': { attachTo: { id: 'x', input: 'y' } } }] },
    });
    expect([...configuredExtensions(config)]).toEqual([['page:c', ['path']]]);
  });
});
