import path from 'node:path';
import type { Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';

/** A plugin's config schemas as config-loader serializes them (`{ path, value }`). */
export type SerializedSchema = JsonObject;

/**
 * Checks the portal's config against a dynamic plugin's own config schema
 * (`configSchema` in its package.json: JSON, or `config.d.ts` where
 * TypeScript is available). Returns the problem, naming the key; or, when
 * the config is valid (or the plugin declares no schema), the plugin's
 * schemas, so that the app can serve them without compiling them again.
 */
export async function checkPluginConfig(
  folder: string,
  config: Config,
): Promise<{ problem: string } | { schemas: SerializedSchema[] }> {
  // Loaded on first use: a portal with no dynamic plugins never needs it.
  const { loadConfigSchema } = require('@backstage/config-loader') as typeof import('@backstage/config-loader');
  let schema;
  try {
    schema = await loadConfigSchema({
      dependencies: [],
      packagePaths: [path.join(folder, 'package.json')],
      excludePackageDependencies: true,
    });
  } catch (error) {
    return { problem: `its config schema cannot be read: ${(error as Error).message.split('\n')[0]}` };
  }
  try {
    schema.process([{ data: config.get() as JsonObject, context: 'app-config' }]);
  } catch (error) {
    // "Config validation failed, Config must be number { type=number } at /a/b"
    const message = (error as Error).message.replace(/^Config validation failed,\s*/, '');
    return { problem: `invalid config: ${message.split('\n')[0]}` };
  }
  return { schemas: schema.serialize().schemas as SerializedSchema[] };
}
