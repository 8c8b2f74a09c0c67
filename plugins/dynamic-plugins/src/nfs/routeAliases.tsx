import { routeResolutionApiRef, useApiHolder, type ApiHolder, type ApiRef } from '@backstage/frontend-plugin-api';
import { createVersionedContext, createVersionedValueMap } from '@backstage/version-bridge';
import { ReactNode, useMemo } from 'react';
import { generatePath } from 'react-router-dom';

/** The same global context `useApi` reads in every copy of the plugin APIs. */
export const ApiContext = createVersionedContext<{ 1: ApiHolder }>('api-context');

/**
 * Route refs the app's route resolver does not know, mapped to ones it does
 * (or, for a mount point, straight to its path). Code loaded after the app
 * was assembled holds its own route ref objects: a lazily loaded plugin's
 * refs stand for the placeholders the app was built with, a legacy plugin's
 * external routes for the routes they are bound to.
 */
export type RouteAliasMap = Map<unknown, object | { path: string }>;

/** An API holder like `parent` whose route resolution goes through `aliases` first. */
export function withRouteAliases(parent: ApiHolder, aliases: RouteAliasMap): ApiHolder {
  const parentResolution = parent.get(routeResolutionApiRef);
  const resolution = {
    resolve(ref: unknown, options?: { sourcePath?: string }) {
      const alias = aliases.get(ref);
      if (alias && 'path' in alias && typeof alias.path === 'string') {
        const path = alias.path;
        return () => path;
      }
      // A sub route of a mount point mapped to its path (a legacy
      // `createSubRouteRef({ parent: rootRouteRef, path: '/:id' })`, which a
      // routable extension links to within itself): below that path.
      const sub = ref as { parent?: unknown; path?: unknown } | undefined;
      const parentAlias = sub?.parent ? aliases.get(sub.parent) : undefined;
      if (parentAlias && 'path' in parentAlias && typeof parentAlias.path === 'string' && typeof sub?.path === 'string') {
        const base = parentAlias.path.replace(/\/+$/, '');
        const subPath = sub.path;
        return (params?: Record<string, string>) => `${base}${generatePath(subPath, params ?? {})}`;
      }
      return parentResolution?.resolve((alias ?? ref) as never, options as never);
    },
  };
  return {
    get<T>(ref: ApiRef<T>): T | undefined {
      if (ref.id === routeResolutionApiRef.id) return resolution as T;
      return parent.get(ref);
    },
  };
}

/** Provides `holder` to everything below, in every copy of the plugin APIs. */
export function ApiHolderProvider(props: { holder: ApiHolder; children: ReactNode }) {
  return <ApiContext.Provider value={createVersionedValueMap({ 1: props.holder })}>{props.children}</ApiContext.Provider>;
}

/** Renders `children` with `aliases` applied to route resolution. */
export function RouteAliases(props: { aliases: RouteAliasMap; children: ReactNode }) {
  const parent = useApiHolder();
  const holder = useMemo(() => withRouteAliases(parent, props.aliases), [parent, props.aliases]);
  return <ApiHolderProvider holder={holder}>{props.children}</ApiHolderProvider>;
}
