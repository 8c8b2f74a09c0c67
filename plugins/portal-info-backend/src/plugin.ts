import { coreServices, createBackendPlugin } from '@backstage/backend-plugin-api';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { CatalogStatsCache } from './catalogStats';
import { createRouter, readQuickLinks } from './router';

/**
 * `/api/portal-info`: quick links from config and catalog statistics, for
 * the home page. Ships as a bundled dynamic plugin.
 *
 * @public
 */
export const portalInfoPlugin = createBackendPlugin({
  pluginId: 'portal-info',
  register(env) {
    env.registerInit({
      deps: {
        auth: coreServices.auth,
        catalog: catalogServiceRef,
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
        logger: coreServices.logger,
        scheduler: coreServices.scheduler,
      },
      async init({ auth, catalog, config, httpRouter, logger, scheduler }) {
        const stats = new CatalogStatsCache(catalog, auth);
        const minutes = config.getOptionalNumber('portalInfo.statsIntervalMinutes') ?? 5;
        await scheduler.scheduleTask({
          id: 'portal-info-catalog-stats',
          frequency: { minutes },
          timeout: { minutes: 1 },
          initialDelay: { seconds: 5 },
          fn: async () => {
            const counted = await stats.refresh();
            logger.info(`Counted ${counted.total} catalog entities`);
          },
        });
        httpRouter.use(createRouter({ links: readQuickLinks(config), stats }));
      },
    });
  },
});
