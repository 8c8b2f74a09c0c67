import {
  ApiBlueprint,
  coreExtensionData,
  createExtension,
  createFrontendModule,
  createFrontendPlugin,
  createRouteRef,
  iconsApiRef,
  PageBlueprint,
  useApi,
  type AnyApiFactory,
  type ExtensionDefinition,
  type FrontendFeature,
} from '@backstage/frontend-plugin-api';
import { IconBundleBlueprint } from '@backstage/plugin-app-react';
import { useEntity } from '@backstage/plugin-catalog-react';
import { EntityCardBlueprint, EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { lazy, Suspense } from 'react';
import { parseCondition, type EntityLike, type ParsedCondition } from './conditions';
import type { MountPoint, PluginWiring } from './config';
import { addMenuGroup, placeMenuItem } from './menuOrder';
import { scaffolderFieldExtension } from './scaffolderFields';
import { ConditionalExport, LazyExport, type ExportLoader, type RouteAliasLoader } from './LazyExport';

/** A plugin's wiring and how to load its code. */
export interface WiredRemote {
  wiring: PluginWiring;
  /** Package name for messages (the scalprum name when the remote is missing). */
  label: string;
  load: ExportLoader;
  /** API factories, loaded before the app starts (the app needs them up front). */
  apiFactories: AnyApiFactory[];
  /** Its external routes as `routeBindings` bind them, computed on first render. */
  routeAliases?: RouteAliasLoader;
}

/** Titles of RHDH's standard entity tabs, for mount points without an `entityTabs` entry. */
const DEFAULT_TAB_TITLES: Record<string, string> = {
  topology: 'Topology',
  issues: 'Issues',
  'pull-requests': 'Pull/Merge Requests',
  ci: 'CI',
  cd: 'CD',
  kubernetes: 'Kubernetes',
  'image-registry': 'Image Registry',
  monitoring: 'Monitoring',
  lighthouse: 'Lighthouse',
  api: 'API',
  dependencies: 'Dependencies',
  docs: 'Docs',
  definition: 'Definition',
  system: 'Diagram',
};

function DynamicIcon({ name }: { name: string }) {
  return useApi(iconsApiRef).icon(name) ?? null;
}

function pluginIdFor(scalprumName: string) {
  return `dynamic-${scalprumName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

interface PlacedMount {
  remote: WiredRemote;
  mount: MountPoint;
  condition: ParsedCondition;
}

/** One of a remote's exports, rendered from its code fetched on first render. */
function remoteExport(remote: WiredRemote, target: { module: string; importName: string; props: Record<string, unknown> }, routePath?: string) {
  return (
    <LazyExport
      pluginName={remote.label}
      load={remote.load}
      routeAliases={remote.routeAliases}
      module={target.module}
      importName={target.importName}
      props={target.props}
      routePath={routePath}
    />
  );
}

function renderMount({ remote, mount, condition }: PlacedMount) {
  const element = remoteExport(remote, mount);
  if (condition.exported.length === 0) return element;
  return (
    <ConditionalExport pluginName={remote.label} load={remote.load} module={mount.module} conditions={condition.exported}>
      {element}
    </ConditionalExport>
  );
}

/** The cards of one entity tab that apply to the entity on the page. */
function TabCards({ mounts }: { mounts: PlacedMount[] }) {
  const { entity } = useEntity();
  const visible = mounts.filter(m => m.condition.matches(entity as EntityLike));
  return (
    <div style={{ display: 'grid', gap: 24, gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))' }}>
      {visible.map((m, i) => (
        <div key={i}>{renderMount(m)}</div>
      ))}
    </div>
  );
}

/**
 * Turns RHDH-style wiring into new-frontend-system features: dynamic routes
 * become pages (with a sidebar item when they have a menu item), entity page
 * mount points become entity cards and tabs, `home.page/cards` home cards,
 * header mount points header widgets, `appIcons` an icon bundle,
 * `scaffolderFieldExtensions` scaffolder form fields and `apiFactories` APIs.
 * Everything except API factories loads the plugin's code only when it
 * renders (form fields: when a template form opens).
 */
export function wiredFeatures(remotes: WiredRemote[], onProblem: (name: string, message: string) => void): FrontendFeature[] {
  const features: FrontendFeature[] = [];
  const tabMounts = new Map<string, PlacedMount[]>();
  const tabs = new Map<string, { path: string; title: string }>();
  const iconBundles: ExtensionDefinition[] = [];

  for (const remote of remotes) {
    const { wiring } = remote;
    const pluginId = pluginIdFor(wiring.scalprumName);
    const extensions: ExtensionDefinition[] = [];
    wiring.entityTabs.forEach(tab => {
      tabs.set(tab.mountPoint.replace(/^entity\.page\./, ''), { path: tab.path, title: tab.title });
    });

    const routeNames = new Set(wiring.dynamicRoutes.map(route => route.importName));
    for (const [name, item] of Object.entries(wiring.menuItems)) {
      // An entry that names no route is a group other items name as parent.
      if (!routeNames.has(name) && item.enabled) addMenuGroup({ name, title: item.title ?? name, icon: item.icon, priority: item.priority });
    }
    wiring.dynamicRoutes.forEach((route, index) => {
      const override = wiring.menuItems[route.importName];
      const menu = route.menuItem && override?.enabled !== false ? { ...route.menuItem, ...pick(override) } : undefined;
      if (menu && (override?.priority !== undefined || override?.parent)) {
        placeMenuItem(`page:${pluginId}/route-${index}`, { priority: override.priority, parent: override.parent });
      }
      extensions.push(
        PageBlueprint.make({
          name: `route-${index}`,
          params: {
            path: route.path,
            noHeader: true,
            ...(menu
              ? {
                  routeRef: createRouteRef(),
                  title: menu.text ?? route.importName,
                  icon: menu.icon ? <DynamicIcon name={menu.icon} /> : undefined,
                }
              : {}),
            loader: async () => remoteExport(remote, route, route.path),
          },
        }),
      );
    });

    wiring.mountPoints.forEach((mount, index) => {
      let condition: ParsedCondition;
      try {
        condition = parseCondition(mount.if);
      } catch (error) {
        onProblem(remote.label, `mount point ${mount.mountPoint}: ${(error as Error).message}`);
        return;
      }
      const placed = { remote, mount, condition };
      const entityTab = /^entity\.page\.([^/]+)\/(cards|context)$/.exec(mount.mountPoint);
      if (entityTab && entityTab[1] === 'overview') {
        extensions.push(
          EntityCardBlueprint.make({
            name: `card-${index}`,
            params: { filter: entity => condition.matches(entity as EntityLike), loader: async () => renderMount(placed) },
          }),
        );
      } else if (entityTab) {
        tabMounts.set(entityTab[1], [...(tabMounts.get(entityTab[1]) ?? []), placed]);
      } else if (mount.mountPoint === 'home.page/cards') {
        extensions.push(slotExtension(`home-card-${index}`, { id: 'page:home', input: 'cards' }, renderMount(placed)));
      } else if (mount.mountPoint === 'application/header' || mount.mountPoint === 'global.header/component') {
        extensions.push(slotExtension(`header-widget-${index}`, { id: 'app-header:header', input: 'widgets' }, renderMount(placed)));
      } else {
        onProblem(remote.label, `mount point ${mount.mountPoint} is not supported by DevPortal; it is ignored`);
      }
    });

    if (wiring.appIcons.length > 0) {
      const icons = Object.fromEntries(
        wiring.appIcons.map(icon => {
          const Icon = lazy(async () => ({ default: (await remote.load(icon.module, icon.importName)) as any }));
          return [icon.name, (props: object) => (
            <Suspense fallback={null}>
              <Icon {...props} />
            </Suspense>
          )];
        }),
      );
      iconBundles.push(IconBundleBlueprint.make({ name: `dynamic-icons-${pluginId}`, params: { icons } }));
    }
    wiring.scaffolderFieldExtensions.forEach((field, index) => {
      extensions.push(scaffolderFieldExtension({ name: `field-${index}`, label: remote.label, load: remote.load, ...field, onProblem }));
    });
    remote.apiFactories.forEach((factory, index) => {
      extensions.push(ApiBlueprint.make({ name: `api-${index}`, params: defineParams => defineParams(factory) }));
    });

    if (extensions.length > 0) {
      features.push(createFrontendPlugin({ pluginId, extensions }));
    }
  }

  if (iconBundles.length > 0) {
    // The app's icons input takes bundles from the app plugin only.
    features.push(createFrontendModule({ pluginId: 'app', extensions: iconBundles }));
  }

  const tabExtensions = [...tabMounts.entries()].map(([tab, mounts]) => {
    const info = tabs.get(tab) ?? { path: `/${tab}`, title: DEFAULT_TAB_TITLES[tab] ?? tab };
    return EntityContentBlueprint.make({
      name: `dynamic-${tab}`,
      params: {
        path: info.path,
        title: info.title,
        // The tab shows only on entities at least one of its cards applies to.
        filter: entity => mounts.some(m => m.condition.matches(entity as EntityLike)),
        loader: async () => <TabCards mounts={mounts} />,
      },
    });
  });
  if (tabExtensions.length > 0) {
    features.push(createFrontendModule({ pluginId: 'catalog', extensions: tabExtensions }));
  }
  return features;
}

function pick(item?: { title?: string; icon?: string }) {
  const result: { text?: string; icon?: string } = {};
  if (item?.title) result.text = item.title;
  if (item?.icon) result.icon = item.icon;
  return result;
}

function slotExtension(name: string, attachTo: { id: string; input: string }, element: JSX.Element) {
  return createExtension({
    kind: 'dynamic-slot',
    name,
    attachTo,
    output: [coreExtensionData.reactElement],
    factory: () => [coreExtensionData.reactElement(element)],
  });
}
