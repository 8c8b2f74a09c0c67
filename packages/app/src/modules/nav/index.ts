import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { appLayout } from './AppLayout';
import { signInPage } from './signInPage';
import { sidebarContent } from './Sidebar';

/** The app shell: layout (with a header slot), sidebar and sign-in page. */
export const appShellModule = createFrontendModule({
  pluginId: 'app',
  extensions: [appLayout, sidebarContent, signInPage],
});
