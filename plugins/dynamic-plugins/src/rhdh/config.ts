import { ConfigReader, type Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';

/**
 * The keys of `dynamicPlugins.frontend.<name>` DevPortal applies, each by
 * one handler (rhdh/wiring.tsx), in this order. Others are reported and
 * ignored.
 */
export const WIRING_KEYS = [
  'routeBindings',
  'menuItems',
  'dynamicRoutes',
  'entityTabs',
  'mountPoints',
  'appIcons',
  'scaffolderFieldExtensions',
  'apiFactories',
] as const;

export type WiringKey = (typeof WIRING_KEYS)[number];

/**
 * RHDH's frontend wiring for one plugin, from
 * `dynamicPlugins.frontend.<scalprum name>` (the format RHDH and VeeCode
 * users bring over unchanged). Only the keys DevPortal acts on are parsed.
 */
export interface PluginWiring {
  /** The key under dynamicPlugins.frontend: the package name without `@`, `/` → `.`. */
  scalprumName: string;
  /** The keys its config has: the handlers of these run, and keys without one are reported. */
  keys: string[];
  dynamicRoutes: DynamicRoute[];
  mountPoints: MountPoint[];
  menuItems: Record<string, MenuItem>;
  appIcons: Array<{ name: string; module: string; importName: string }>;
  apiFactories: Array<{ module: string; importName: string }>;
  entityTabs: EntityTab[];
  routeBindings: RouteBindings;
  /** Legacy scaffolder field extensions (`createScaffolderFieldExtension`) the plugin exports. */
  scaffolderFieldExtensions: Array<{ module: string; importName: string }>;
}

/**
 * RHDH's `routeBindings`: `targets` name plugin objects this plugin's code
 * exports (`name` defaults to `importName`); each binding points the
 * external routes of a target (`bindTarget: <target>.externalRoutes`) at
 * routes of another (`bindMap: { <external route>: <target>.routes.<route> }`).
 * Targets are global: any plugin's bindings may name any plugin's targets,
 * and the app's own plugins are targets named `<camelCasePluginId>Plugin`
 * (`catalogPlugin`, `scaffolderPlugin`, …).
 */
export interface RouteBindings {
  targets: Array<{ name: string; module: string; importName: string }>;
  bindings: Array<{ bindTarget: string; bindMap: Record<string, string> }>;
}

export interface DynamicRoute {
  path: string;
  module: string;
  importName: string;
  menuItem?: { icon?: string; text?: string };
  props: Record<string, unknown>;
}

export interface MountPoint {
  mountPoint: string;
  module: string;
  importName: string;
  props: Record<string, unknown>;
  /** The raw `config.if` condition; see conditions.ts. */
  if?: unknown;
  layout?: Record<string, unknown>;
}

export interface MenuItem {
  title?: string;
  icon?: string;
  enabled: boolean;
  priority?: number;
  /** The `menuItems` entry (a group) this item is nested under. */
  parent?: string;
}

export interface EntityTab {
  path: string;
  title: string;
  mountPoint: string;
  priority?: number;
}

/** `@backstage-community/plugin-tech-radar` → `backstage-community.plugin-tech-radar`. */
export function scalprumName(packageName: string): string {
  return packageName.replace(/^@/, '').replace('/', '.');
}

const DEFAULT_MODULE = 'PluginRoot';

/** Reads every plugin's wiring; a malformed entry is reported, not fatal. */
export function readWiring(config: Config, onProblem: (name: string, message: string) => void): PluginWiring[] {
  // Read raw: scalprum names contain dots, which config paths would split.
  const frontend = config.getOptional<JsonObject>('dynamicPlugins.frontend');
  if (!frontend || typeof frontend !== 'object') return [];
  const result: PluginWiring[] = [];
  for (const [name, value] of Object.entries(frontend)) {
    try {
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected an object');
      result.push(readPluginWiring(name, new ConfigReader(value as JsonObject, `dynamicPlugins.frontend["${name}"]`)));
    } catch (error) {
      onProblem(name, `its dynamicPlugins.frontend wiring is invalid: ${(error as Error).message}`);
    }
  }
  return result;
}

/**
 * Adds the wiring packages ship in their app-config.dynamic.yaml for the
 * plugins the portal's config does not wire itself (config wins, whole).
 */
export function withShippedWiring(
  configured: PluginWiring[],
  shipped: Array<Record<string, unknown> | undefined>,
  onProblem: (name: string, message: string) => void,
): PluginWiring[] {
  const result = [...configured];
  const names = new Set(configured.map(w => w.scalprumName));
  for (const wirings of shipped) {
    for (const [name, value] of Object.entries(wirings ?? {})) {
      if (names.has(name)) continue;
      try {
        if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('expected an object');
        result.push(readPluginWiring(name, new ConfigReader(value as JsonObject, `app-config.dynamic.yaml of ${name}`)));
        names.add(name);
      } catch (error) {
        onProblem(name, `the wiring in its app-config.dynamic.yaml is invalid: ${(error as Error).message}`);
      }
    }
  }
  return result;
}

export function readPluginWiring(name: string, c: Config): PluginWiring {
  const asObject = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  return {
    scalprumName: name,
    keys: c.keys(),
    dynamicRoutes: (c.getOptionalConfigArray('dynamicRoutes') ?? []).map(r => ({
      path: r.getString('path'),
      module: r.getOptionalString('module') ?? DEFAULT_MODULE,
      importName: r.getOptionalString('importName') ?? 'default',
      menuItem: r.has('menuItem')
        ? { icon: r.getOptionalString('menuItem.icon'), text: r.getOptionalString('menuItem.text') }
        : undefined,
      props: asObject(r.getOptional('config.props')),
    })),
    mountPoints: (c.getOptionalConfigArray('mountPoints') ?? []).map(m => ({
      mountPoint: m.getString('mountPoint'),
      module: m.getOptionalString('module') ?? DEFAULT_MODULE,
      importName: m.getOptionalString('importName') ?? 'default',
      props: asObject(m.getOptional('config.props')),
      if: m.getOptional('config.if'),
      layout: m.has('config.layout') ? asObject(m.getOptional('config.layout')) : undefined,
    })),
    menuItems: Object.fromEntries(
      (c.getOptionalConfig('menuItems')?.keys() ?? []).map(key => {
        const item = c.getConfig(`menuItems.${key}`);
        return [
          key,
          {
            title: item.getOptionalString('title'),
            icon: item.getOptionalString('icon'),
            enabled: item.getOptionalBoolean('enabled') ?? true,
            priority: item.getOptionalNumber('priority'),
            parent: item.getOptionalString('parent'),
          },
        ];
      }),
    ),
    appIcons: (c.getOptionalConfigArray('appIcons') ?? []).map(i => ({
      name: i.getString('name'),
      module: i.getOptionalString('module') ?? DEFAULT_MODULE,
      importName: i.getString('importName'),
    })),
    apiFactories: (c.getOptionalConfigArray('apiFactories') ?? []).map(a => ({
      module: a.getOptionalString('module') ?? DEFAULT_MODULE,
      importName: a.getOptionalString('importName') ?? 'default',
    })),
    entityTabs: (c.getOptionalConfigArray('entityTabs') ?? []).map(t => ({
      path: t.getString('path'),
      title: t.getString('title'),
      mountPoint: t.getString('mountPoint'),
      priority: t.getOptionalNumber('priority'),
    })),
    scaffolderFieldExtensions: (c.getOptionalConfigArray('scaffolderFieldExtensions') ?? []).map(f => ({
      module: f.getOptionalString('module') ?? DEFAULT_MODULE,
      importName: f.getString('importName'),
    })),
    routeBindings: {
      targets: (c.getOptionalConfigArray('routeBindings.targets') ?? []).map(t => {
        const importName = t.getString('importName');
        return { name: t.getOptionalString('name') ?? importName, module: t.getOptionalString('module') ?? DEFAULT_MODULE, importName };
      }),
      bindings: (c.getOptionalConfigArray('routeBindings.bindings') ?? []).map(b => {
        const bindMap = b.getConfig('bindMap');
        return {
          bindTarget: b.getString('bindTarget'),
          bindMap: Object.fromEntries(bindMap.keys().map(key => [key, bindMap.getString(key)])),
        };
      }),
    },
  };
}
