/**
 * Packages the app gives dynamic frontend plugins besides what the Backstage
 * build shares (react, react-dom, react-router, MUI styles). The export leaves
 * them out of a remote when the app's version satisfies the plugin's range;
 * the app registers each as a module federation singleton. One copy in the
 * page, smaller remotes.
 */
export const APP_SHARED_PACKAGES = [
  '@backstage/frontend-plugin-api',
  '@backstage/core-plugin-api',
  '@backstage/core-components',
  '@backstage/core-compat-api',
  '@backstage/plugin-catalog-react',
  '@backstage/ui',
] as const;

export type AppSharedPackage = (typeof APP_SHARED_PACKAGES)[number];
