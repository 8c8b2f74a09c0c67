import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { signInPage } from './signInPage';
import { sidebarContent } from './Sidebar';

/** The app shell: sidebar and sign-in page. */
export const appShellModule = createFrontendModule({
  pluginId: 'app',
  extensions: [sidebarContent, signInPage],
});
