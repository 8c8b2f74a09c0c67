import { ApiBlueprint, createFrontendPlugin } from '@backstage/frontend-plugin-api';
import { marketplaceExtensions } from '../marketplace/extensions';
import { dynamicPluginsApiRef, type DynamicPluginsApi } from './dynamicPlugins';
import { pluginFailuresApiRef, type PluginFailuresApi } from './failures';
import { menuOrderApiRef, type MenuOrderApi } from './menuOrder';

/** The state one load of the dynamic plugins fills and the app's components read. */
export interface DynamicPluginsState {
  failures: PluginFailuresApi;
  menuOrder: MenuOrderApi;
  remotes: DynamicPluginsApi;
}

/**
 * Hands one load's state to the app as APIs. The loader makes the instances
 * (it fills them before the app exists) and each factory returns its
 * instance, so every app gets the state of its own load and no other.
 *
 * The admin Plugins page (marketplace) belongs to the same plugin id as the
 * backend's `/api/dynamic-plugins`; it is compiled into the app, so it is
 * there even when no dynamic plugin loads.
 */
export function dynamicPluginsApisPlugin(state: DynamicPluginsState) {
  return createFrontendPlugin({
    pluginId: 'dynamic-plugins',
    extensions: [
      ApiBlueprint.make({ name: 'failures', params: define => define({ api: pluginFailuresApiRef, deps: {}, factory: () => state.failures }) }),
      ApiBlueprint.make({ name: 'menu-order', params: define => define({ api: menuOrderApiRef, deps: {}, factory: () => state.menuOrder }) }),
      ApiBlueprint.make({ name: 'remotes', params: define => define({ api: dynamicPluginsApiRef, deps: {}, factory: () => state.remotes }) }),
      ...marketplaceExtensions,
    ],
  });
}
