import { useApiHolder, type ApiHolder, type ApiRef } from '@backstage/frontend-plugin-api';
import { ReactNode, useMemo } from 'react';
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
 * - resolves a routable extension's mount point route ref to the dynamic
 *   route's path (`createRoutableExtension` checks it), and the plugin's
 *   external routes to the routes `routeBindings` bind them to;
 * everything else is the app's.
 */
export function LegacyPluginContext(props: {
  apiFactories: LegacyApiFactory[];
  mountPoint?: object;
  path?: string;
  routeAliases?: RouteAliasMap;
  children: ReactNode;
}) {
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
