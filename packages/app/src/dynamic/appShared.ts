import * as coreCompatApi from '@backstage/core-compat-api';
import coreCompatApiPackage from '@backstage/core-compat-api/package.json';
import * as coreComponents from '@backstage/core-components';
import coreComponentsPackage from '@backstage/core-components/package.json';
import * as corePluginApi from '@backstage/core-plugin-api';
import corePluginApiPackage from '@backstage/core-plugin-api/package.json';
import * as frontendPluginApi from '@backstage/frontend-plugin-api';
import frontendPluginApiPackage from '@backstage/frontend-plugin-api/package.json';
import * as catalogReact from '@backstage/plugin-catalog-react';
import catalogReactPackage from '@backstage/plugin-catalog-react/package.json';
import * as ui from '@backstage/ui';
import uiPackage from '@backstage/ui/package.json';

/**
 * Packages the app gives dynamic plugins besides what the Backstage build
 * shares (react, react-router, MUI styles). Remotes exported by `devportal
 * plugin export` do not bundle these when the app's version satisfies their
 * range (packages/cli/src/export/exportFrontend.ts keeps the same list): one
 * copy in the page, smaller remotes.
 */
export function appSharedPackages() {
  const entry = (module: unknown, version: string) => ({
    version,
    lib: () => module,
    shareConfig: { singleton: true, requiredVersion: '*', eager: true },
  });
  return {
    '@backstage/frontend-plugin-api': entry(frontendPluginApi, frontendPluginApiPackage.version),
    '@backstage/core-plugin-api': entry(corePluginApi, corePluginApiPackage.version),
    '@backstage/core-components': entry(coreComponents, coreComponentsPackage.version),
    '@backstage/core-compat-api': entry(coreCompatApi, coreCompatApiPackage.version),
    '@backstage/plugin-catalog-react': entry(catalogReact, catalogReactPackage.version),
    '@backstage/ui': entry(ui, uiPackage.version),
  };
}
