import { useApiHolder, type ApiHolder, type ApiRef } from '@backstage/frontend-plugin-api';
import { ReactNode, useMemo } from 'react';
import { useInRouterContext, useResolvedPath } from 'react-router-dom';
import { ApiHolderProvider, withRouteAliases, type RouteAliasMap } from '../nfs/routeAliases';

/** What a legacy `createApiFactory` returns. */
export interface LegacyApiFactory {
  api: { id: string };
  deps: Record<string, { id: string }>;
  factory(deps: Record<string, unknown>): unknown;
}

/**
 * The APIs a legacy plugin declares (`createPlugin({ apis })`) and its mount
 * point exist only in code loaded after the app was assembled, so the app's
 * API registry and routes cannot know them. This gives the plugin's
 * components an API holder that
 * - creates the plugin's own APIs on first use (their dependencies come from
 *   this holder, so from the app for everything else), and
 * - resolves a routable extension's mount point route ref to where it is
 *   mounted (`createRoutableExtension` checks it): the dynamic route's path,
 *   or, for an extension placed by a mount point (entity tab content such as
 *   `EntityGithubActionsContent`, a card), the path of the route it renders
 *   in, e.g. `/catalog/default/component/x/ci`. The old app found mount
 *   points by walking its element tree, which never holds these;
 * - resolves the plugin's external routes to the routes `routeBindings`
 *   bind them to;
 * everything else is the app's.
 */
export function LegacyPluginContext(props: LegacyPluginContextProps) {
  const inRouter = useInRouterContext();
  return props.path === undefined && inRouter ? <MountedHere {...props} /> : <PluginContext {...props} />;
}

interface LegacyPluginContextProps {
  apiFactories: LegacyApiFactory[];
  mountPoint?: object;
  /** Where the mount point is mounted; the enclosing route's path when not given. */
  path?: string;
  routeAliases?: RouteAliasMap;
  children: ReactNode;
}

/**
 * Mounted at the path the enclosing route matched: an entity tab's route is
 * `<tab>/*`, so this is the tab's URL however deep the plugin's own routes go.
 */
function MountedHere(props: LegacyPluginContextProps) {
  return <PluginContext {...props} path={useResolvedPath('.').pathname} />;
}

function PluginContext(props: LegacyPluginContextProps) {
  const parent = useApiHolder();
  const { apiFactories, mountPoint, path, routeAliases } = props;
  const holder = useMemo<ApiHolder>(() => {
    const aliases: RouteAliasMap = new Map(routeAliases);
    if (mountPoint && path !== undefined) aliases.set(mountPoint, { path });
    const routed = withRouteAliases(parent, aliases);
    const factories = new Map(apiFactories.map(f => [f.api.id, f]));
    const instances = new Map<string, unknown>();
    const self: ApiHolder = {
      get<T>(ref: ApiRef<T>): T | undefined {
        const fromApp = routed.get(ref);
        if (fromApp !== undefined) return fromApp;
        const factory = factories.get(ref.id);
        if (!factory) return undefined;
        if (!instances.has(ref.id)) {
          const deps = Object.fromEntries(
            Object.entries(factory.deps).map(([name, dep]) => {
              const value = self.get(dep as ApiRef<unknown>);
              if (value === undefined) throw new Error(`API ${ref.id} needs ${dep.id}, which this app does not provide`);
              return [name, value];
            }),
          );
          instances.set(ref.id, factory.factory(deps));
        }
        return instances.get(ref.id) as T;
      },
    };
    return self;
  }, [parent, apiFactories, mountPoint, path, routeAliases]);
  return <ApiHolderProvider holder={holder}>{props.children}</ApiHolderProvider>;
}

/** Data a legacy extension attached to its component (`attachComponentData`) under `key`. */
export function componentDataOf(component: unknown, key: string): unknown {
  return (component as { __backstage_data?: { map?: Map<string, unknown> } })?.__backstage_data?.map?.get(key);
}

/** The mount point route ref a legacy routable extension carries, if it is one. */
export function mountPointOf(component: unknown): object | undefined {
  const mountPoint = componentDataOf(component, 'core.mountPoint');
  return mountPoint && typeof mountPoint === 'object' ? mountPoint : undefined;
}

/** The API factories of every legacy plugin (`createPlugin`) a module exports. */
export function legacyApiFactories(module: Record<string, unknown>): LegacyApiFactory[] {
  const factories: LegacyApiFactory[] = [];
  for (const value of Object.values(module)) {
    const plugin = value as { getApis?: () => Iterable<LegacyApiFactory> };
    if (plugin && typeof plugin === 'object' && typeof plugin.getApis === 'function') {
      try {
        factories.push(...plugin.getApis());
      } catch {
        // not a plugin after all
      }
    }
  }
  return factories;
}
