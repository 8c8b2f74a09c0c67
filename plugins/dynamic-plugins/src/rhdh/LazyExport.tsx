import { compatWrapper } from '@backstage/core-compat-api';
import { useApiHolder } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { ComponentType, isValidElement, lazy, useMemo } from 'react';
import { PluginBoundary } from '../ui/PluginBoundary';
import type { EntityLike } from './conditions';
import { LegacyPluginContext, legacyApiFactories, mountPointOf } from './LegacyPluginContext';
import type { ExportLoader, RouteAliasLoader } from './types';

function asComponent(value: unknown): ComponentType<any> {
  if (typeof value === 'function' || (value && typeof value === 'object' && '$$typeof' in value)) {
    return value as ComponentType<any>;
  }
  if (isValidElement(value)) return () => value;
  throw new Error(`the export is not a React component (${typeof value})`);
}

/**
 * Renders an export of a dynamic plugin, fetching the plugin's code only
 * now (when this route or mount point renders), inside an error boundary
 * naming the plugin.
 */
export function LazyExport(props: {
  pluginName: string;
  load: ExportLoader;
  module: string;
  importName: string;
  props?: Record<string, unknown>;
  /** For dynamic routes: the path the route is mounted at. */
  routePath?: string;
  routeAliases?: RouteAliasLoader;
}) {
  const { load, module, importName, routePath, routeAliases } = props;
  const holder = useApiHolder();
  const Component = useMemo(
    () =>
      lazy(async () => {
        const namespace = (await load(module, '*')) as Record<string, unknown>;
        const Loaded = asComponent(await load(module, importName));
        const mountPoint = mountPointOf(Loaded);
        const apiFactories = legacyApiFactories(namespace);
        const aliases = routeAliases ? await routeAliases(holder) : undefined;
        return {
          default: (p: object) => (
            <LegacyPluginContext apiFactories={apiFactories} mountPoint={mountPoint} path={routePath} routeAliases={aliases}>
              <Loaded {...p} />
            </LegacyPluginContext>
          ),
        };
      }),
    [load, module, importName, routePath, routeAliases, holder],
  );
  // compatWrapper gives legacy components the app and routing contexts of
  // the old frontend system (useApp, useRouteRef), bridged to this app.
  return <PluginBoundary pluginName={props.pluginName}>{compatWrapper(<Component {...props.props} />)}</PluginBoundary>;
}

/**
 * A mount point whose `if` names condition functions exported by the plugin:
 * they are loaded with the plugin's code and checked against the entity.
 */
export function ConditionalExport(props: {
  pluginName: string;
  load: ExportLoader;
  module: string;
  conditions: string[];
  children: JSX.Element;
}) {
  const { entity } = useEntity();
  const { load, module, conditions } = props;
  const Gate = useMemo(
    () =>
      lazy(async () => {
        const checks = await Promise.all(conditions.map(name => load(module, name)));
        return {
          default: ({ target, children }: { target: EntityLike; children: JSX.Element }) =>
            checks.every(check => typeof check === 'function' && check(target)) ? children : null,
        };
      }),
    [load, module, conditions],
  );
  return (
    <PluginBoundary pluginName={props.pluginName}>
      <Gate target={entity as EntityLike}>{props.children}</Gate>
    </PluginBoundary>
  );
}
