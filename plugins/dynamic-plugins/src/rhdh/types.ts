import type { AnyApiFactory, ApiHolder, ExtensionDefinition } from '@backstage/frontend-plugin-api';
import type { MenuOrderApi } from '../apis/menuOrder';
import type { RouteAliasMap } from '../nfs/routeAliases';
import type { ExportLoader } from '../remotes/federation';
import type { ParsedCondition } from './conditions';
import type { MountPoint, PluginWiring } from './config';

export type { ExportLoader };

/** Reports a problem of one plugin (by package or scalprum name) for the failures panel. */
export type OnProblem = (name: string, message: string) => void;

/** A plugin object as far as route bindings go (legacy `createPlugin` or new-system plugin). */
export interface RoutePlugin {
  routes?: Record<string, unknown>;
  externalRoutes?: Record<string, unknown>;
}

/**
 * The external routes of a plugin's code, bound by `routeBindings` (see
 * keys/routeBindings.ts), computed when its code first renders; `apis` is
 * the API holder of the rendering component (the app tree names the app's
 * plugins).
 */
export type RouteAliasLoader = (apis: ApiHolder) => Promise<RouteAliasMap>;

/** A plugin's wiring and how to load its code. */
export interface WiredRemote {
  wiring: PluginWiring;
  /** Package name for messages (the scalprum name when the remote is missing). */
  label: string;
  /** The id of the frontend plugin its wiring becomes (`dynamic-<scalprum name>`). */
  pluginId: string;
  load: ExportLoader;
  /** API factories, those without a description loaded before the app starts (the app needs them up front). */
  apiFactories: AnyApiFactory[];
  /** Set by the routeBindings handler when any plugin has bindings. */
  routeAliases?: RouteAliasLoader;
}

/** A mount point entry with its parsed condition. */
export interface PlacedMount {
  remote: WiredRemote;
  mount: MountPoint;
  condition: ParsedCondition;
}

/** What the handlers of one load add to across plugins; turned into features once every plugin is wired. */
export interface AppWiring {
  onProblem: OnProblem;
  menuOrder: MenuOrderApi;
  /** Icon bundles: the app's icons input takes them from the `app` plugin only. */
  iconBundles: ExtensionDefinition[];
  /** Entity tabs (`entity.page.<tab>`) by tab name: their cards, path and title. */
  tabMounts: Map<string, PlacedMount[]>;
  tabs: Map<string, { path: string; title: string }>;
  /** Resolves route bindings; made once from every wired plugin, as bindings may name any plugin's targets. */
  bindRoutes: (remote: WiredRemote, appPlugins: Map<string, RoutePlugin>) => Promise<RouteAliasMap>;
  anyBindings: boolean;
}

/** One plugin being wired: its extensions become its own frontend plugin. */
export interface PluginBeingWired {
  remote: WiredRemote;
  extensions: ExtensionDefinition[];
}

/** Applies one `dynamicPlugins.frontend.<name>` key of one plugin. */
export type WiringHandler = (plugin: PluginBeingWired, app: AppWiring) => void;
