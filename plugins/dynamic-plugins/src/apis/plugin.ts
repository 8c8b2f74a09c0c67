import { ApiBlueprint, createFrontendPlugin } from '@backstage/frontend-plugin-api';
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
 */
export function dynamicPluginsApisPlugin(state: DynamicPluginsState) {
  return createFrontendPlugin({
    pluginId: 'dynamic-plugins',
    extensions: [
      ApiBlueprint.make({ name: 'failures', params: define => define({ api: pluginFailuresApiRef, deps: {}, factory: () => state.failures }) }),
      ApiBlueprint.make({ name: 'menu-order', params: define => define({ api: menuOrderApiRef, deps: {}, factory: () => state.menuOrder }) }),
      ApiBlueprint.make({ name: 'remotes', params: define => define({ api: dynamicPluginsApiRef, deps: {}, factory: () => state.remotes }) }),
    ],
  });
}
