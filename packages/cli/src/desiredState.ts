import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { DYNAMIC_PLUGINS_PLUGIN_ID } from '@devportal/plugin-dynamic-plugins-common';
import { DesiredStateStore } from '@devportal/plugin-dynamic-plugins-node';

/**
 * Opens the marketplace's desired state in the portal's own database, read
 * from the same app-config files the backend starts with, through
 * Backstage's own DatabaseManager: the same SQLite file or PostgreSQL
 * database (and prefix) the `dynamic-plugins` backend plugin uses. So a
 * fresh pod installs the current generation before its backend starts.
 *
 * `use` gets undefined when the backend has never created the tables.
 */
export async function withDesiredState<T>(
  appConfigFiles: string[],
  use: (store: DesiredStateStore | undefined) => Promise<T>,
): Promise<T> {
  const { loadConfig } = await import('@backstage/config-loader');
  const { ConfigReader } = await import('@backstage/config');
  const { DatabaseManager } = await import('@backstage/backend-defaults/database');
  const { appConfigs } = await loadConfig({
    configRoot: process.cwd(),
    configTargets: appConfigFiles.map(file => ({ path: path.resolve(file) })),
  });
  const config = ConfigReader.fromConfigs(appConfigs);
  // The manager's shutdown (run below) stops its keepalive timer and closes PostgreSQL pools;
  // without it a finished command would never exit.
  const shutdownHooks: Array<() => void | Promise<void>> = [];
  const lifecycle = {
    addStartupHook() {},
    addShutdownHook(hook: () => void | Promise<void>) {
      shutdownHooks.push(hook);
    },
  };
  const database = DatabaseManager.fromConfig(config, { rootLifecycle: lifecycle as any, rootLogger: quietLogger }).forPlugin(
    DYNAMIC_PLUGINS_PLUGIN_ID,
    { logger: quietLogger, lifecycle },
  );
  const knex = await database.getClient();
  try {
    return await use(await DesiredStateStore.open(knex));
  } finally {
    for (const hook of shutdownHooks) await hook();
    await knex.destroy(); // the manager leaves SQLite connections open
  }
}

// The CLI reports what matters itself; the database layer's own chatter stays out of the start output.
const quietLogger: LoggerService = {
  error() {},
  warn() {},
  info() {},
  debug() {},
  child: () => quietLogger,
};
