import coreCompatApiPackage from '@backstage/core-compat-api/package.json';
import coreComponentsPackage from '@backstage/core-components/package.json';
import corePluginApiPackage from '@backstage/core-plugin-api/package.json';
import frontendPluginApiPackage from '@backstage/frontend-plugin-api/package.json';
import catalogReactPackage from '@backstage/plugin-catalog-react/package.json';
import uiPackage from '@backstage/ui/package.json';

/**
 * Packages the app gives dynamic plugins besides what the Backstage build
 * shares (react, react-router, MUI styles). Remotes exported by `devportal
 * plugin export` do not bundle these when the app's version satisfies their
 * range (packages/cli/src/export/exportFrontend.ts keeps the same list): one
 * copy in the page, smaller remotes.
 *
 * Asynchronous on purpose: a whole-package import would keep every export of
 * these packages in the app's first bundle (tree shaking is off for a
 * namespace); behind `import()` the parts the app does not use itself are
 * fetched only when a remote asks for them.
 */
export function appSharedPackages() {
  const entry = (version: string, load: () => Promise<unknown>) => ({
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
