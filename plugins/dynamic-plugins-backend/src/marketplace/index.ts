import os from 'node:os';
import type { AuditorService, DatabaseService, LifecycleService, LoggerService, RootLifecycleService } from '@backstage/backend-plugin-api';
import type { Config } from '@backstage/config';
import { APPLY_SIGNAL_CHANNEL, REPLICA_ID_ENV, type DynamicPluginStatus, type HostVersions } from '@devportal/plugin-dynamic-plugins-common';
import { DesiredStateStore, ReplicaStore } from '@devportal/plugin-dynamic-plugins-node';
import type { SignalsService } from '@backstage/plugin-signals-node';
import type express from 'express';
import path from 'node:path';
import { installedGeneration } from './backendSnapshot';
import { CatalogView } from './catalogView';
import { generationVerdict } from './generationVerdict';
import { ReplicaSync } from './replicaSync';
import { SupervisorLink } from './supervisorLink';
import { Marketplace } from './marketplace';
import { createMarketplaceRouter } from './router';
import { readMarketplaceSettings } from './settings';
import { createConfigValidator } from './validateConfig';

/**
 * Sets up the marketplace for one backend process: its tables, its routes,
 * its line to the supervisor, and the replica sync; once the backend serves,
 * marks the generation it was started for as serving.
 */
export async function setUpMarketplace(options: {
  config: Config;
  root: string;
  database: DatabaseService;
  auditor: AuditorService;
  signals?: SignalsService;
  lifecycle: LifecycleService;
  /** Its startup hooks run once every plugin has initialized (a plugin's own run right after its init). */
  rootLifecycle: RootLifecycleService;
  logger: LoggerService;
  host: HostVersions;
  httpAuth: Parameters<typeof createMarketplaceRouter>[0]['httpAuth'];
  permissions: Parameters<typeof createMarketplaceRouter>[0]['permissions'];
  status(): DynamicPluginStatus[];
}): Promise<{ router: express.Router; servedGeneration(): number | null; supervisor: SupervisorLink }> {
  const { logger } = options;
  const settings = readMarketplaceSettings(options.config);
  const db = await options.database.getClient();
  const store = await DesiredStateStore.create(db);
  const replicas = new ReplicaStore(db);
  const link = new SupervisorLink(logger);
  const replicaId = process.env[REPLICA_ID_ENV] ?? `${os.hostname()}:${process.pid}`;
  const marketplace = new Marketplace({
    store,
    settings,
    root: options.root,
    logger,
    validateConfig: createConfigValidator({ root: options.root, config: options.config }),
    publish: options.signals
      ? progress => options.signals!.publish({ recipients: { type: 'broadcast' }, channel: APPLY_SIGNAL_CHANNEL, message: { ...progress } })
      : undefined,
    requestGeneration: generation => link.requestGeneration(generation),
    prepareGeneration: generation => link.send({ type: 'devportal:prepare-generation', generation }),
    abandonGeneration: generation => link.send({ type: 'devportal:generation-abandoned', generation }),
    holder: replicaId,
    served: installedGeneration(options.root),
  });
  link.onMessage(message => {
    if (message.type === 'devportal:generation-failed') void marketplace.failed(message.generation, message.reason);
    if (message.type === 'devportal:serving') void markServing();
  });
  const markServing = async () => {
    const served = await marketplace.completeStartedGeneration().catch(error => {
      logger.error(`Could not record the generation this backend serves: ${error}`);
      return undefined;
    });
    if (served) logger.info(`Marketplace generation ${served.id} serves`);
  };
  const sync = new ReplicaSync({ id: replicaId, store, replicas, marketplace, logger, pollMs: settings.pollMs });
  // After every plugin's init, so the verdict sees the plugins that failed.
  options.rootLifecycle.addStartupHook(async () => {
    await sync.forgetDeadApply();
    if (link.live) {
      // The supervisor switches to this backend only on a healthy verdict, then says so (markServing).
      link.send(await generationVerdict(store, marketplace.local().served, options.status()));
    } else {
      await markServing();
    }
    sync.start();
  });
  options.lifecycle.addShutdownHook(() => sync.stop());
  const catalog = new CatalogView({
    sources: settings.catalogSources,
    host: options.host,
    baseDir: path.dirname(settings.baseConfig),
    insecureRegistries: insecureRegistriesOf(settings.installerArgs),
  });
  const router = createMarketplaceRouter({
    httpAuth: options.httpAuth,
    permissions: options.permissions,
    auditor: options.auditor,
    marketplace,
    store,
    replicas: () => sync.list(),
    catalog,
    root: options.root,
    baseConfig: settings.baseConfig,
    status: options.status,
  });
  return { router, servedGeneration: () => marketplace.local().served, supervisor: link };
}

function insecureRegistriesOf(args: string[]): string[] {
  const hosts: string[] = [];
  args.forEach((arg, i) => {
    if (arg === '--insecure-registry' && args[i + 1]) hosts.push(args[i + 1]);
    if (arg.startsWith('--insecure-registry=')) hosts.push(arg.slice('--insecure-registry='.length));
  });
  return hosts;
}
