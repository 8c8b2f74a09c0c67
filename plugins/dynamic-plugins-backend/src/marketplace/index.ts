import os from 'node:os';
import type { AuditorService, DatabaseService, LifecycleService, LoggerService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { APPLY_SIGNAL_CHANNEL, RESTART_EXIT_CODE, type DynamicPluginStatus, type HostVersions } from '@devportal/plugin-dynamic-plugins-common';
import { DesiredStateStore, readInstallState } from '@devportal/plugin-dynamic-plugins-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type express from 'express';
import path from 'node:path';
import { CatalogView } from './catalogView';
import { Marketplace } from './marketplace';
import { createMarketplaceRouter } from './router';
import { readMarketplaceSettings } from './settings';
import { createConfigValidator } from './validateConfig';

/**
 * Sets up the marketplace for one backend process: its tables, its routes,
 * and, once the backend serves, marks the generation it was started for as
 * serving.
 */
export async function setUpMarketplace(options: {
  config: Config;
  root: string;
  database: DatabaseService;
  auditor: AuditorService;
  signals?: SignalsService;
  lifecycle: LifecycleService;
  logger: LoggerService;
  host: HostVersions;
  httpAuth: Parameters<typeof createMarketplaceRouter>[0]['httpAuth'];
  permissions: Parameters<typeof createMarketplaceRouter>[0]['permissions'];
  status(): DynamicPluginStatus[];
}): Promise<express.Router> {
  const settings = readMarketplaceSettings(options.config);
  const store = await DesiredStateStore.create(await options.database.getClient());
  const marketplace = new Marketplace({
    store,
    settings,
    root: options.root,
    logger: options.logger,
    validateConfig: createConfigValidator({ root: options.root, config: options.config }),
    publish: options.signals
      ? progress => options.signals!.publish({ recipients: { type: 'broadcast' }, channel: APPLY_SIGNAL_CHANNEL, message: { ...progress } })
      : undefined,
    requestRestart: () => requestRestart(options.logger),
    holder: `${os.hostname()}:${process.pid}`,
  });
  options.lifecycle.addStartupHook(async () => {
    const layerFile = readInstallState(options.root)?.files.find(file => path.basename(path.dirname(file)) === '.devportal-marketplace');
    const served = await marketplace.completeStartedGeneration(layerFile).catch(error => {
      options.logger.error(`Could not record the generation this backend serves: ${error}`);
      return undefined;
    });
    if (served) options.logger.info(`Marketplace generation ${served.id} serves`);
  });
  const catalog = new CatalogView({
    sources: settings.catalogSources,
    host: options.host,
    baseDir: path.dirname(settings.baseConfig),
    insecureRegistries: insecureRegistriesOf(settings.installerArgs),
  });
  return createMarketplaceRouter({
    httpAuth: options.httpAuth,
    permissions: options.permissions,
    auditor: options.auditor,
    marketplace,
    store,
    catalog,
    root: options.root,
    baseConfig: settings.baseConfig,
    status: options.status,
  });
}

/**
 * A graceful stop (the same SIGTERM path as a rollout: in-flight requests
 * finish, connections drain) that exits with RESTART_EXIT_CODE, which the
 * supervisor (`devportal-cli run`) answers with an install and a new backend.
 */
function requestRestart(logger: LoggerService) {
  process.once('exit', () => {
    process.exitCode = RESTART_EXIT_CODE;
  });
  logger.info('Restarting the backend to serve the new plugins');
  // Let the apply's last signal and response leave first.
  setTimeout(() => process.kill(process.pid, 'SIGTERM'), 500).unref();
}

function insecureRegistriesOf(args: string[]): string[] {
  const hosts: string[] = [];
  args.forEach((arg, i) => {
    if (arg === '--insecure-registry' && args[i + 1]) hosts.push(args[i + 1]);
    if (arg.startsWith('--insecure-registry=')) hosts.push(arg.slice('--insecure-registry='.length));
  });
  return hosts;
}
