import { createRouteRef, iconsApiRef, PageBlueprint, useApi } from '@backstage/frontend-plugin-api';
import { remoteExport } from '../remoteExport';
import type { WiringHandler } from '../types';

/** The name of the page a plugin's `index`th dynamic route becomes (`page:<plugin id>/<name>`). */
export function routePageName(index: number) {
  return `route-${index}`;
}

function DynamicIcon({ name }: { name: string }) {
  return useApi(iconsApiRef).icon(name) ?? null;
}

/**
 * `dynamicRoutes`: a page at `path` rendering the export with `props`; with
 * a `menuItem`, a sidebar item, renamed, re-iconed or hidden by the
 * plugin's `menuItems` entry for the route.
 */
export const dynamicRoutes: WiringHandler = ({ remote, extensions }) => {
  const { wiring } = remote;
  wiring.dynamicRoutes.forEach((route, index) => {
    const override = wiring.menuItems[route.importName];
    const menu = route.menuItem && override?.enabled !== false ? { ...route.menuItem, ...titleAndIcon(override) } : undefined;
    extensions.push(
      PageBlueprint.make({
        name: routePageName(index),
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
};

function titleAndIcon(item?: { title?: string; icon?: string }) {
  const result: { text?: string; icon?: string } = {};
  if (item?.title) result.text = item.title;
  if (item?.icon) result.icon = item.icon;
  return result;
}
