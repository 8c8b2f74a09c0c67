import fs from 'node:fs/promises';
import path from 'node:path';
import { coreServices, createServiceFactory, type RootConfigService } from '@backstage/backend-plugin-api';
import { WinstonLogger, type WinstonLoggerLevelOverride } from '@backstage/backend-defaults/rootLogger';
import { loadConfigSchema } from '@backstage/config-loader';
import { CONFIG_SCHEMA_CACHE_ENV, withoutGenerationListen } from '@devportal/plugin-dynamic-plugins-common';
import type { JsonObject } from '@backstage/config';
import { getPackages } from '@manypkg/get-packages';
import { format, transports } from 'winston';
import { configHash, readSecretPaths, secretPaths, valuesAt, writeSecretPaths } from './secretPaths';

/**
 * Backstage's root logger (the same Winston logger, level, meta, overrides
 * and secret redaction), except where the redaction's config schema comes
 * from: under a supervisor that names a cache file (CONFIG_SCHEMA_CACHE_ENV),
 * the first backend collects the schema as Backstage does and writes it
 * there, and the next backend generations read it. Collecting it is a good
 * part of a backend's start (bench/live-apply), and a new generation starts
 * while the old one serves.
 *
 * Compiling that schema is about a second of CPU too, so the paths where it
 * found secrets are kept beside it with the hash of the config they were
 * found in: a generation whose config is the same (a plugin added without
 * config) reads its secrets at those paths and compiles nothing. Another
 * config, or a config that changes while the backend runs, is enumerated
 * with the schema, as Backstage does.
 */
export const rootLoggerServiceFactory = createServiceFactory({
  service: coreServices.rootLogger,
  deps: { config: coreServices.rootConfig },
  async factory({ config }) {
    const logger = WinstonLogger.create({
      meta: { service: 'backstage', ...config.getOptionalConfig('backend.logger.meta')?.get<object>() },
      level: process.env.LOG_LEVEL || config.getOptionalString('backend.logger.level') || 'info',
      format: process.env.NODE_ENV === 'production' ? format.json() : WinstonLogger.colorFormat(),
      transports: [new transports.Console()],
    });
    const enumerate = secretEnumerator(process.env[CONFIG_SCHEMA_CACHE_ENV], logger);
    const current = () => config.getOptional<JsonObject>() ?? {};
    logger.addRedactions(await enumerate(current()));
    config.subscribe?.(() => {
      enumerate(current()).then(
        secrets => logger.addRedactions(secrets),
        error => logger.error(`The config's secrets could not be enumerated for redaction: ${error}`),
      );
    });
    logger.setLevelOverrides(levelOverrides(config));
    config.subscribe?.(() => logger.setLevelOverrides(levelOverrides(config)));
    return logger;
  },
});

type ConfigSchema = Awaited<ReturnType<typeof loadConfigSchema>>;

/**
 * The secrets of a config: at the paths cached for that config when there
 * are (`<schema cache>.secret-paths.json`), else found with the schema
 * (compiled once, when first needed) and cached for the next generation.
 */
export function secretEnumerator(cacheFile: string | undefined, logger: WinstonLogger): (data: JsonObject) => Promise<Set<string>> {
  const pathsFile = cacheFile ? `${cacheFile}.secret-paths.json` : undefined;
  let schema: Promise<ConfigSchema> | undefined;
  return async data => {
    // The port each generation listens on is not where secrets are: without it, generations share the paths.
    const hash = configHash(withoutGenerationListen(data));
    let paths = pathsFile ? readSecretPaths(pathsFile, hash) : undefined;
    if (!paths) {
      paths = secretPaths(await (schema ??= secretsSchema(cacheFile, logger)), data);
      if (pathsFile) {
        try {
          writeSecretPaths(pathsFile, hash, paths);
        } catch (error) {
          logger.warn(`The config's secret paths could not be cached in ${pathsFile}: ${error}`);
        }
      }
    }
    const secrets = valuesAt(data, paths);
    logger.info(`Found ${secrets.size} secrets in config that will be redacted`);
    return secrets;
  };
}

/** The schema from the cache file, or collected (as Backstage's enumerator does) and written there. */
export async function secretsSchema(cacheFile: string | undefined, logger: WinstonLogger): Promise<ConfigSchema> {
  if (cacheFile) {
    try {
      return await loadConfigSchema({ serialized: JSON.parse(await fs.readFile(cacheFile, 'utf8')) });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') logger.warn(`The cached config schema ${cacheFile} cannot be read; collecting it: ${error}`);
    }
  }
  const { packages } = await getPackages(process.cwd());
  const schema = await loadConfigSchema({
    dependencies: packages.map(p => p.packageJson.name),
    onSchemaError: error => logger.warn(error.message),
  });
  if (cacheFile) {
    // Whole or not at all: another generation may read it at any moment.
    const partial = path.join(path.dirname(cacheFile), `.${path.basename(cacheFile)}.${process.pid}`);
    await fs
      .writeFile(partial, JSON.stringify(schema.serialize()))
      .then(() => fs.rename(partial, cacheFile))
      .catch(error => logger.warn(`The config schema could not be cached in ${cacheFile}: ${error}`));
  }
  return schema;
}

const LEVELS = ['error', 'warn', 'info', 'debug'];

/** `backend.logger.overrides`, checked as Backstage checks them. */
function levelOverrides(config: RootConfigService): WinstonLoggerLevelOverride[] {
  return (config.getOptionalConfigArray('backend.logger.overrides') ?? []).map((override, i) => {
    const level = override.getString('level');
    if (!LEVELS.includes(level)) {
      throw new Error(`Invalid config at backend.logger.overrides[${i}].level: '${level}' is not a logging level (${LEVELS.join(', ')})`);
    }
    return { matchers: override.getConfig('matchers').get(), level };
  });
}
