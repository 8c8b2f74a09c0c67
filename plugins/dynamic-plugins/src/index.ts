/**
 * DevPortal's frontend loader for dynamic plugins: module federation and
 * RHDH (Scalprum) remotes, new-frontend-system stand-ins built from
 * extension manifests, and RHDH's `dynamicPlugins.frontend` wiring for
 * legacy plugins. The app adds `dynamicFrontendFeaturesLoader()` to its
 * features; its layout and sidebar read the loader's state through the APIs
 * below. The loader's plugin also holds the admin Plugins page
 * (`/plugins`); the sidebar shows its nav item to admins only (`AdminOnly`).
 *
 * @packageDocumentation
 */
export { dynamicFrontendFeaturesLoader, type DynamicFrontendFeaturesLoaderOptions } from './loader';
export { dynamicPluginsApiRef, type DynamicPluginsApi } from './apis/dynamicPlugins';
export { pluginFailuresApiRef, type PluginFailure, type PluginFailuresApi } from './apis/failures';
export { byPriorityThenTitle, menuOrderApiRef, type MenuGroup, type MenuOrderApi, type MenuPlacement } from './apis/menuOrder';
export { fetchRemotes } from './remotes/remotes';
export { FailurePanel } from './ui/FailurePanel';
export { PluginBoundary, PluginErrorPanel } from './ui/PluginBoundary';
export { AdminOnly, useAdminState, type AdminState } from './marketplace/admin';
export { MarketplaceClient, MarketplaceError, marketplaceApiRef, type CatalogFilter, type CatalogPage, type MarketplaceApi, type PluginsOverview, type Whoami } from './marketplace/api';
export { PLUGINS_PAGE_ID, pluginsPageRouteRef } from './marketplace/extensions';
