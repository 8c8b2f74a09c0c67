import { routeResolutionApiRef, useApiHolder, type ApiHolder, type ApiRef } from '@backstage/frontend-plugin-api';
import { createVersionedContext, createVersionedValueMap } from '@backstage/version-bridge';
import { ReactNode, useMemo } from 'react';

/** The same global context `useApi` reads in every copy of the plugin APIs. */
const ApiContext = createVersionedContext<{ 1: ApiHolder }>('api-context');

/**
 * A legacy routable extension (`createRoutableExtension`) checks that its
 * mount point route ref resolves, which in an app built from wiring it
 * cannot: the route ref lives in code loaded after the app was assembled.
 * This gives the component an API holder whose route resolution answers
 * that one ref with the dynamic route's path, and defers to the app for
 * everything else.
 */
export function MountPointRoute(props: { mountPoint: object; path: string; children: ReactNode }) {
  const parent = useApiHolder();
  const { mountPoint, path } = props;
  const holder = useMemo<ApiHolder>(() => {
    const parentResolution = parent.get(routeResolutionApiRef);
    const resolution = {
      resolve(ref: unknown, options?: { sourcePath?: string }) {
        if (ref === mountPoint) return () => path;
        return parentResolution?.resolve(ref as never, options as never);
      },
    };
    return {
      get<T>(ref: ApiRef<T>): T | undefined {
        return (ref.id === routeResolutionApiRef.id ? resolution : parent.get(ref)) as T | undefined;
      },
    };
  }, [parent, mountPoint, path]);
  return <ApiContext.Provider value={createVersionedValueMap({ 1: holder })}>{props.children}</ApiContext.Provider>;
}

/** The mount point route ref a legacy routable extension carries, if it is one. */
export function mountPointOf(component: unknown): object | undefined {
  const data = (component as { __backstage_data?: { map?: Map<string, unknown> } })?.__backstage_data;
  const mountPoint = data?.map?.get('core.mountPoint');
  return mountPoint && typeof mountPoint === 'object' ? mountPoint : undefined;
}
