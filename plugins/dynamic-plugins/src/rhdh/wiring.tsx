import { createFrontendModule, createFrontendPlugin, type ExtensionDefinition, type FrontendFeature } from '@backstage/frontend-plugin-api';
import type { MenuOrderApi } from '../apis/menuOrder';
import { WIRING_KEYS, type WiringKey } from './config';
import { apiFactories } from './keys/apiFactories';
import { appIcons } from './keys/appIcons';
import { dynamicRoutes } from './keys/dynamicRoutes';
import { entityTabs, entityTabsModule } from './keys/entityTabs';
import { menuItems } from './keys/menuItems';
import { mountPoints } from './keys/mountPoints';
import { createRouteBinder, routeBindings } from './keys/routeBindings';
import { scaffolderFieldExtensions } from './keys/scaffolderFieldExtensions';
import type { AppWiring, OnProblem, WiredRemote, WiringHandler } from './types';

/**
 * One handler per `dynamicPlugins.frontend.<name>` key. They run in the
 * order of `WIRING_KEYS`: routeBindings first, as the elements the others
 * create carry the plugin's route aliases.
 */
export const WIRING_HANDLERS: Readonly<Record<WiringKey, WiringHandler>> = {
  routeBindings,
  menuItems,
  dynamicRoutes,
  entityTabs,
  mountPoints,
  appIcons,
  scaffolderFieldExtensions,
  apiFactories,
};

/** `backstage-community.plugin-x` → `dynamic-backstage-community-plugin-x`: the id of the plugin a wiring becomes. */
export function pluginIdFor(scalprumName: string) {
  return `dynamic-${scalprumName.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`;
}

/**
 * Runs the handler of each key the plugin's wiring has and notes the keys no
 * handler knows in the browser console; returns the plugin's own extensions
 * (what the handlers add across plugins is in `app`).
 *
 * An unknown key is not a failure panel: RHDH packages ship keys DevPortal
 * leaves out on purpose (`translationResources`, `techdocsAddons`), and the
 * plugin works without them.
 */
export function applyWiring(remote: WiredRemote, app: AppWiring, handlers: Readonly<Record<WiringKey, WiringHandler>> = WIRING_HANDLERS) {
  const plugin = { remote, extensions: [] as ExtensionDefinition[] };
  for (const key of WIRING_KEYS) {
    if (remote.wiring.keys.includes(key)) handlers[key](plugin, app);
  }
  for (const key of remote.wiring.keys) {
    if (!(WIRING_KEYS as readonly string[]).includes(key)) {
      // eslint-disable-next-line no-console
      console.warn(`${remote.label}: dynamicPlugins.frontend key ${key} is not supported by DevPortal; it is ignored`);
    }
  }
  return plugin.extensions;
}

/**
 * Turns RHDH-style wiring into new-frontend-system features: one plugin per
 * wired plugin with what its keys make (pages, sidebar items, cards, header
 * widgets, form fields, APIs), plus the app-wide parts (icons, entity tabs).
 * Everything except API factories loads the plugin's code only when it
 * renders (form fields: when a template form opens).
 */
export function wiredFeatures(remotes: WiredRemote[], options: { onProblem: OnProblem; menuOrder: MenuOrderApi }): FrontendFeature[] {
  const app: AppWiring = {
    ...options,
    iconBundles: [],
    tabMounts: new Map(),
    tabs: new Map(),
    bindRoutes: createRouteBinder(remotes, options.onProblem),
    anyBindings: remotes.some(r => r.wiring.routeBindings.bindings.length > 0),
  };
  const features: FrontendFeature[] = [];
  for (const remote of remotes) {
    const extensions = applyWiring(remote, app);
    if (extensions.length > 0) features.push(createFrontendPlugin({ pluginId: remote.pluginId, extensions }));
  }
  if (app.iconBundles.length > 0) {
    // The app's icons input takes bundles from the app plugin only.
    features.push(createFrontendModule({ pluginId: 'app', extensions: app.iconBundles }));
  }
  const tabs = entityTabsModule(app);
  if (tabs) features.push(tabs);
  return features;
}
