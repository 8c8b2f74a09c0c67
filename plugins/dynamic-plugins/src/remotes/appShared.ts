import coreCompatApiPackage from '@backstage/core-compat-api/package.json';
import coreComponentsPackage from '@backstage/core-components/package.json';
import corePluginApiPackage from '@backstage/core-plugin-api/package.json';
import frontendPluginApiPackage from '@backstage/frontend-plugin-api/package.json';
import catalogReactPackage from '@backstage/plugin-catalog-react/package.json';
import uiPackage from '@backstage/ui/package.json';
import type { AppSharedPackage } from '@devportal/plugin-dynamic-plugins-common';

/** A module federation shared entry the app provides: a singleton, loaded on first request. */
export interface AppSharedEntry {
  version: string;
  get: () => Promise<() => unknown>;
  shareConfig: { singleton: true; requiredVersion: '*'; eager: false };
}

/**
 * The packages of `APP_SHARED_PACKAGES` (the list `devportal plugin export`
 * leaves out of remotes), as module federation shared entries. Typed by the
 * list, so a package added to it without an entry here (or the reverse)
 * does not compile. Each `import()` is written out: the bundler needs
 * literal specifiers to put the package in the app build.
 *
 * Asynchronous on purpose: a whole-package import would keep every export of
 * these packages in the app's first bundle (tree shaking is off for a
 * namespace); behind `import()` the parts the app does not use itself are
 * fetched only when a remote asks for them.
 */
export function appSharedPackages(): Record<AppSharedPackage, AppSharedEntry> {
  const entry = (version: string, load: () => Promise<unknown>): AppSharedEntry => ({
    version,
    get: () => load().then(module => () => module),
    shareConfig: { singleton: true, requiredVersion: '*', eager: false },
  });
  return {
    '@backstage/frontend-plugin-api': entry(frontendPluginApiPackage.version, () => import('@backstage/frontend-plugin-api')),
    '@backstage/core-plugin-api': entry(corePluginApiPackage.version, () => import('@backstage/core-plugin-api')),
    '@backstage/core-components': entry(coreComponentsPackage.version, () => import('@backstage/core-components')),
    '@backstage/core-compat-api': entry(coreCompatApiPackage.version, () => import('@backstage/core-compat-api')),
    '@backstage/plugin-catalog-react': entry(catalogReactPackage.version, () => import('@backstage/plugin-catalog-react')),
    '@backstage/ui': entry(uiPackage.version, () => import('@backstage/ui')),
  };
}
