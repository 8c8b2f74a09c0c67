import {
  createApiRef,
  discoveryApiRef,
  fetchApiRef,
  useApi,
} from '@backstage/frontend-plugin-api';
import { useCallback } from 'react';

/**
 * The catalog's starred-entities API, referenced by id so that this plugin
 * does not bundle a copy of `@backstage/plugin-catalog-react` (the app owns
 * the implementation; API refs are looked up by id).
 */
export const starredEntitiesApiRef = createApiRef<{
  starredEntitie$(): {
    subscribe(observer: { next(value: Set<string>): void }): { unsubscribe(): void };
  };
}>({ id: 'catalog-react.starred-entities' });

/** GET a backend plugin's JSON endpoint with the user's credentials. */
export function useBackendJson() {
  const discovery = useApi(discoveryApiRef);
  const { fetch } = useApi(fetchApiRef);
  return useCallback(
    async <T,>(pluginId: string, path: string): Promise<T> => {
      const response = await fetch(`${await discovery.getBaseUrl(pluginId)}${path}`);
      if (!response.ok) throw new Error(`${pluginId}${path}: HTTP ${response.status}`);
      return (await response.json()) as T;
    },
    [discovery, fetch],
  );
}

/** `kind:namespace/name` → the entity's catalog page. */
export function entityRefToPath(ref: string): { path: string; kind: string; title: string } | undefined {
  const match = /^([^:]+):(?:([^/]+)\/)?(.+)$/.exec(ref);
  if (!match) return undefined;
  const [, kind, namespace = 'default', name] = match;
  return {
    path: `/catalog/${encodeURIComponent(namespace)}/${encodeURIComponent(kind.toLowerCase())}/${encodeURIComponent(name)}`,
    kind: kind.toLowerCase(),
    title: namespace === 'default' ? name : `${namespace}/${name}`,
  };
}
