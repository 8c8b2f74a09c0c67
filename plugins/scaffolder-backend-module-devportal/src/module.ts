import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { scaffolderActionsExtensionPoint } from '@backstage/plugin-scaffolder-node';
import { createPublishLocalAction } from './actions/publishLocal';
import { createRegisterFileAction } from './actions/registerFile';
import { readDevportalScaffolderOptions } from './options';

/**
 * Adds DevPortal's scaffolder actions, `devportal:publish:local` and
 * `devportal:catalog:register-file`.
 *
 * @public
 */
export const scaffolderModuleDevportal = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'devportal',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        auth: coreServices.auth,
        catalog: catalogServiceRef,
      },
      async init({ scaffolder, config, logger, auth, catalog }) {
        const options = readDevportalScaffolderOptions(config);
        logger.info(
          `Scaffolder projects are published to ${options.localPublishDirectory}`,
        );
        scaffolder.addActions(
          createPublishLocalAction({
            directory: options.localPublishDirectory,
          }),
          createRegisterFileAction({
            catalog,
            auth,
            allowedDirectories: options.registerFileAllowedDirectories,
            credentials: options.registerFileCredentials,
          }),
        );
      },
    });
  },
});
