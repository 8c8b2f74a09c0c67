import { createApp } from '@backstage/frontend-defaults';
import { appShellModule } from './modules/nav';
import { homeModule } from './modules/home';

/**
 * The statically bundled app. Plugins listed in package.json are discovered
 * by `app.packages: all` in app-config.yaml; these modules are DevPortal's own.
 */
export default createApp({
  features: [appShellModule, homeModule],
});
