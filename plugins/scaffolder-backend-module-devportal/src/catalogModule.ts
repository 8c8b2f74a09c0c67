import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';
import { readAllowedLocationTypes } from './options';

/**
 * Sets the location types the catalog accepts for registered locations
 * (`devportal.catalog.allowedLocationTypes`, by default `url` and `file`).
 *
 * The catalog backend only accepts `url` locations through its API unless a
 * catalog module calls `setAllowedLocationTypes`; there is no config key for
 * it. `devportal:catalog:register-file` needs `file`.
 *
 * @public
 */
export const catalogModuleDevportalLocationTypes = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'devportal-location-types',
  register(reg) {
    reg.registerInit({
      deps: {
        locations: catalogLocationsExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ locations, config, logger }) {
        const types = readAllowedLocationTypes(config);
        logger.info(
          `Registered catalog locations may be of type ${types.join(', ')}`,
        );
        locations.setAllowedLocationTypes(types);
      },
    });
  },
});
