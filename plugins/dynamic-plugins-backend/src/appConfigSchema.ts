import fs from 'node:fs/promises';
import path from 'node:path';
import { coreServices, createBackendModule, resolvePackagePath } from '@backstage/backend-plugin-api';
import { configSchemaExtensionPoint } from '@backstage/plugin-app-node';
import type { JsonObject } from '@backstage/types';
import { CONFIG_SCHEMA_CACHE_ENV } from '@devportal/plugin-dynamic-plugins-common';
import { cachedFrontendSchema } from './frontendConfigCache';
import { restrictPluginVisibility, type DroppedVisibility, type PluginSchemas } from './schemaVisibility';

/**
 * RHDH's frontend wiring (`dynamicPlugins.frontend.<plugin>`) is read by
 * the app: all of it is frontend-visible.
 */
const wiringSchema: JsonObject = {
  type: 'object',
  properties: {
    dynamicPlugins: {
      type: 'object',
      properties: {
        frontend: { type: 'object', deepVisibility: 'frontend', additionalProperties: true },
      },
    },
  },
};

/**
 * The app bundle's config schema only knows the plugins compiled into it.
 * This module gives the app-backend that schema plus the schemas of the
 * dynamic plugins that loaded (frontend and backend), so their
 * `@visibility frontend` keys (`home.*`, `header.*`, …) reach the browser and
 * their config is validated together with the rest. A plugin's schema may
 * only make its own keys visible (schemaVisibility.ts): whatever else it
 * marks is removed and logged.
 */
export function appConfigSchemaModule(pluginSchemas: () => PluginSchemas[]) {
  return createBackendModule({
    pluginId: 'app',
    moduleId: 'dynamic-plugins-config-schema',
    register(env) {
      env.registerInit({
        deps: { schemaPoint: configSchemaExtensionPoint, config: coreServices.rootConfig, logger: coreServices.rootLogger },
        async init({ schemaPoint, config, logger }) {
          const { loadConfigSchema } = require('@backstage/config-loader') as typeof import('@backstage/config-loader');
          const appPackage = config.getOptionalString('app.packageName') ?? 'app';
          let appSchemas: JsonObject[] = [];
          try {
            // The serialized schemas as the app build wrote them, not
            // `loadCompiledConfigSchema`: that compiles a validator, and the
            // one compiled below is the only one the app-backend needs.
            // Each compile of the app's schema costs about 0.4 s and 50 MiB
            // of RSS (bench/backend-startup).
            appSchemas = serializedSchemas(
              JSON.parse(await fs.readFile(path.join(resolvePackagePath(appPackage, 'dist'), '.config-schema.json'), 'utf8')),
            );
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
              logger.warn(`The app bundle's config schema could not be read: ${(error as Error).message}`);
            }
          }
          if (appSchemas.length === 0) return; // no app bundle: nothing to serve
          const { schemas, dropped } = restrictPluginVisibility(appSchemas, pluginSchemas());
          for (const [plugin, paths] of droppedByPlugin(dropped)) {
            logger.warn(
              `Dynamic plugin ${plugin}'s config schema may not make these keys visible to the browser; they stay backend-only: ${paths.join(', ')}`,
            );
          }
          const all = [...schemas, { path: path.join(__dirname, 'wiring'), value: wiringSchema }];
          const cacheDir = process.env[CONFIG_SCHEMA_CACHE_ENV];
          schemaPoint.setConfigSchema(
            cachedFrontendSchema({
              schemas: all,
              compile: () => loadConfigSchema({ serialized: { backstageConfigSchemaVersion: 1, schemas: all } }),
              cacheFile: cacheDir ? `${cacheDir}.frontend-config.json` : undefined,
              onCacheError: error => logger.warn(`The app's frontend config could not be cached: ${error.message}`),
            }),
          );
        },
      });
    },
  });
}

/** One log line per plugin: `path (reason)`, each once. */
function droppedByPlugin(dropped: DroppedVisibility[]): Map<string, string[]> {
  const byPlugin = new Map<string, Set<string>>();
  for (const { plugin, path: key, reason } of dropped) {
    byPlugin.set(plugin, (byPlugin.get(plugin) ?? new Set()).add(`${key} (${reason})`));
  }
  return new Map([...byPlugin].map(([plugin, paths]) => [plugin, [...paths]]));
}

/** The schemas of a serialized config schema file (`backstageConfigSchemaVersion: 1`), or none. */
function serializedSchemas(file: unknown): JsonObject[] {
  const serialized = file as { backstageConfigSchemaVersion?: unknown; schemas?: unknown } | undefined;
  return serialized?.backstageConfigSchemaVersion === 1 && Array.isArray(serialized.schemas) ? (serialized.schemas as JsonObject[]) : [];
}
