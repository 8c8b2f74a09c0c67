import { ConfigReader } from '@backstage/config';
import { readWiring, scalprumName, withShippedWiring } from './config';

describe('readWiring', () => {
  it('reads RHDH wiring keyed by scalprum names, which contain dots', () => {
    const config = new ConfigReader({
      dynamicPlugins: {
        frontend: {
          'backstage-community.plugin-tech-radar': {
            dynamicRoutes: [{ path: '/tech-radar', importName: 'TechRadarPage', menuItem: { icon: 'map', text: 'Tech Radar' }, config: { props: { width: 1500 } } }],
            mountPoints: [{ mountPoint: 'entity.page.overview/cards', importName: 'Card', config: { if: { allOf: [{ isKind: 'component' }] } } }],
            menuItems: { TechRadarPage: { title: 'Radar', enabled: true, priority: 10 } },
            appIcons: [{ name: 'map', importName: 'MapIcon' }],
            apiFactories: [{ importName: 'radarApi' }],
            entityTabs: [{ path: '/radar', title: 'Radar', mountPoint: 'entity.page.radar' }],
            routeBindings: {
              targets: [{ importName: 'techRadarPlugin' }, { name: 'radarTwo', importName: 'other', module: 'Alpha' }],
              bindings: [{ bindTarget: 'techRadarPlugin.externalRoutes', bindMap: { catalog: 'catalogPlugin.routes.catalogIndex' } }],
            },
          },
        },
      },
    });
    const problems: string[] = [];
    const [wiring] = readWiring(config, (name, message) => problems.push(`${name}: ${message}`));
    expect(problems).toEqual([]);
    expect(wiring.scalprumName).toBe('backstage-community.plugin-tech-radar');
    expect(wiring.dynamicRoutes[0]).toEqual({
      path: '/tech-radar',
      module: 'PluginRoot',
      importName: 'TechRadarPage',
      menuItem: { icon: 'map', text: 'Tech Radar' },
      props: { width: 1500 },
    });
    expect(wiring.mountPoints[0].if).toEqual({ allOf: [{ isKind: 'component' }] });
    expect(wiring.menuItems.TechRadarPage).toEqual({ title: 'Radar', icon: undefined, enabled: true, priority: 10, parent: undefined });
    expect(wiring.appIcons).toEqual([{ name: 'map', module: 'PluginRoot', importName: 'MapIcon' }]);
    expect(wiring.apiFactories).toEqual([{ module: 'PluginRoot', importName: 'radarApi' }]);
    expect(wiring.entityTabs).toEqual([{ path: '/radar', title: 'Radar', mountPoint: 'entity.page.radar', priority: undefined }]);
    expect(wiring.routeBindings).toEqual({
      targets: [
        { name: 'techRadarPlugin', module: 'PluginRoot', importName: 'techRadarPlugin' },
        { name: 'radarTwo', module: 'Alpha', importName: 'other' },
      ],
      bindings: [{ bindTarget: 'techRadarPlugin.externalRoutes', bindMap: { catalog: 'catalogPlugin.routes.catalogIndex' } }],
    });
  });

  it('reports a malformed plugin entry and keeps the others', () => {
    const config = new ConfigReader({
      dynamicPlugins: { frontend: { 'a.broken': { dynamicRoutes: [{ importName: 'NoPath' }] }, 'b.fine': {} } },
    });
    const problems: string[] = [];
    const wirings = readWiring(config, (name, message) => problems.push(`${name}: ${message}`));
    expect(wirings.map(w => w.scalprumName)).toEqual(['b.fine']);
    expect(problems[0]).toMatch(/^a\.broken: .*path/);
  });

  it('uses the wiring a package ships where the portal config has none', () => {
    const configured = readWiring(
      new ConfigReader({ dynamicPlugins: { frontend: { 'a.plugin': { dynamicRoutes: [{ path: '/a-from-config', importName: 'A' }] } } } }),
      () => {},
    );
    const problems: string[] = [];
    const wirings = withShippedWiring(
      configured,
      [
        { 'a.plugin': { dynamicRoutes: [{ path: '/a-shipped', importName: 'A' }] } },
        { 'b.plugin': { dynamicRoutes: [{ path: '/b', importName: 'B' }] }, 'c.broken': 'nope' },
        undefined,
      ],
      (name, message) => problems.push(`${name}: ${message}`),
    );
    expect(wirings.map(w => [w.scalprumName, w.dynamicRoutes[0]?.path])).toEqual([
      ['a.plugin', '/a-from-config'],
      ['b.plugin', '/b'],
    ]);
    expect(problems).toEqual(['c.broken: the wiring in its app-config.dynamic.yaml is invalid: expected an object']);
  });

  it('derives scalprum names the way RHDH does', () => {
    expect(scalprumName('@backstage-community/plugin-tech-radar')).toBe('backstage-community.plugin-tech-radar');
    expect(scalprumName('plain-plugin')).toBe('plain-plugin');
  });
});
