import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { devportalPermissions } from '@devportal/plugin-devportal-common';
import { createRouter } from './router';

/**
 * DevPortal's own backend plugin, mounted at `/api/devportal`.
 *
 * @public
 */
export const devportalPlugin = createBackendPlugin({
  pluginId: 'devportal',
  register(env) {
    env.registerInit({
      deps: {
        httpAuth: coreServices.httpAuth,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        permissions: coreServices.permissions,
        permissionsRegistry: coreServices.permissionsRegistry,
      },
      async init({ httpAuth, httpRouter, logger, permissions, permissionsRegistry }) {
        permissionsRegistry.addPermissions(devportalPermissions);
        httpRouter.use(await createRouter({ httpAuth, permissions, logger }));
      },
    });
  },
});
