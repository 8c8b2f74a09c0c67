import { createFrontendModule, PageBlueprint } from '@backstage/frontend-plugin-api';

/**
 * The page at `/` when no dynamic plugin provides `home` (disabled in
 * dynamic-plugins.yaml, or failed to load): plain links, no plugin code.
 */
const fallbackHomePage = PageBlueprint.make({
  name: 'fallback-home',
  params: {
    path: '/',
    title: 'Home',
    loader: () => import('./FallbackHomePage').then(m => <m.FallbackHomePage />),
  },
});

export const fallbackHomeModule = createFrontendModule({
  pluginId: 'app',
  extensions: [fallbackHomePage],
});
