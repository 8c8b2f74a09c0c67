import type { WiringHandler } from '../types';
import { routePageName } from './dynamicRoutes';

/**
 * `menuItems`: an entry naming no dynamic route is a group other entries
 * name as `parent`; an entry naming a route places that route's sidebar item
 * (`priority`, `parent`). Title, icon and `enabled` change the item itself,
 * so the dynamicRoutes handler applies those.
 */
export const menuItems: WiringHandler = ({ remote }, app) => {
  const { wiring, pluginId } = remote;
  const routeNames = new Set(wiring.dynamicRoutes.map(route => route.importName));
  for (const [name, item] of Object.entries(wiring.menuItems)) {
    if (!routeNames.has(name) && item.enabled) app.menuOrder.addGroup({ name, title: item.title ?? name, icon: item.icon, priority: item.priority });
  }
  wiring.dynamicRoutes.forEach((route, index) => {
    const item = wiring.menuItems[route.importName];
    // Only a route with a sidebar item that is not hidden has a place.
    if (!route.menuItem || !item || item.enabled === false) return;
    if (item.priority !== undefined || item.parent) {
      app.menuOrder.placeItem(`page:${pluginId}/${routePageName(index)}`, { priority: item.priority, parent: item.parent });
    }
  });
};
