import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { AdminsPolicy, readAdminsPolicyOptions } from './AdminsPolicy';

/**
 * Installs {@link AdminsPolicy} as the permission policy.
 *
 * @public
 */
export const permissionModuleAdmins = createBackendModule({
  pluginId: 'permission',
  moduleId: 'devportal-admins',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        policy: policyExtensionPoint,
      },
      async init({ config, logger, policy }) {
        const options = readAdminsPolicyOptions(config);
        if (options.admins.length === 0) {
          logger.warn(
            'devportal.admins is empty: nobody can install or configure plugins',
          );
        }
        policy.setPolicy(new AdminsPolicy(options));
      },
    });
  },
});
