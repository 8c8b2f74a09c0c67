import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { DocsLinkProcessor } from './DocsLinkProcessor';

/** @public */
export const catalogModuleDevportalLinks = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'devportal-links',
  register(reg) {
    reg.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint, config: coreServices.rootConfig },
      async init({ catalog, config }) {
        catalog.addProcessor(new DocsLinkProcessor(config.getString('app.baseUrl')));
      },
    });
  },
});
