import { ApiBlueprint, AppRootElementBlueprint, createRouteRef, discoveryApiRef, fetchApiRef, PageBlueprint } from '@backstage/frontend-plugin-api';
import { PluginsChangedNotice } from './notice/PluginsChangedNotice';
import { MarketplaceClient, marketplaceApiRef } from './api';

/** The Plugins page's route. */
export const pluginsPageRouteRef = createRouteRef();

/**
 * The page's extension id. The sidebar takes its nav item by this id and
 * shows it to admins only (`AdminOnly`): the app's nav lists every page with
 * a title and an icon, and has no per-user filter of its own.
 */
export const PLUGINS_PAGE_ID = 'page:dynamic-plugins/plugins';

/** Four tiles: drawn here rather than taken from an icon package the loader does not depend on. */
const pluginsIcon = (
  <svg viewBox="0 0 24 24" width="24" height="24" fill="currentColor" aria-hidden="true" focusable="false">
    <path d="M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM16.5 13h1v3h3v1h-3v3h-1v-3h-3v-1h3z" />
  </svg>
);

export const marketplaceApi = ApiBlueprint.make({
  name: 'marketplace',
  params: define =>
    define({
      api: marketplaceApiRef,
      deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
      factory: deps => new MarketplaceClient(deps),
    }),
});

export const pluginsPage = PageBlueprint.make({
  name: 'plugins',
  params: {
    path: '/plugins',
    title: 'Plugins',
    icon: pluginsIcon,
    routeRef: pluginsPageRouteRef,
    loader: () => import('./PluginsPage').then(m => <m.PluginsPage />),
  },
});

/** "Plugins changed — reload", on every page once an apply serves. */
export const pluginsChangedNotice = AppRootElementBlueprint.make({
  name: 'plugins-changed-notice',
  params: { element: <PluginsChangedNotice /> },
});

/** The admin Plugins page and its API, and the notice for everyone, for the `dynamic-plugins` frontend plugin. */
export const marketplaceExtensions = [marketplaceApi, pluginsPage, pluginsChangedNotice];
