import { MarkdownContent } from '@backstage/core-components';
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { HomePageWidgetBlueprint } from '@backstage/plugin-home-react/alpha';

const welcome = `
Everything your teams build, in one place.

- **[Software catalog](/catalog)**: services, websites, APIs and who owns them.
- **[APIs](/api-docs)**: every API with its definition.
- **[Documentation](/docs)**: TechDocs written next to the code.
- **[Create](/create)**: start a new component from a template.
`;

const welcomeWidget = HomePageWidgetBlueprint.make({
  name: 'welcome',
  params: {
    name: 'DevPortalWelcome',
    title: 'Welcome to DevPortal',
    description: 'Where to start in the portal',
    components: async () => ({
      Content: () => <MarkdownContent content={welcome} />,
    }),
  },
});

/**
 * The welcome card on the home page. The home page itself comes from
 * `@backstage/plugin-home`; its layout is set in app-config.yaml.
 */
export const homeModule = createFrontendModule({
  pluginId: 'home',
  extensions: [welcomeWidget],
});
