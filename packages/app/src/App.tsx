import { createApp } from '@backstage/frontend-defaults';
import { appShellModule } from './modules/nav';
import { dynamicFrontendFeaturesLoader } from '@devportal/plugin-dynamic-plugins';

/**
 * The app, built once. Plugins listed in package.json are discovered by
 * `app.packages: all`; dynamic frontend plugins (home and header among them)
 * are loaded at page load from the backend's list of remotes.
 */
export default createApp({
  features: [appShellModule, dynamicFrontendFeaturesLoader()],
});
