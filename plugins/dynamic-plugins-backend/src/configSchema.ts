import path from 'node:path';
import type { Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';

/**
 * Checks the portal's config against a dynamic plugin's own config schema
 * (`configSchema` in its package.json: JSON, or `config.d.ts` where
 * TypeScript is available). Returns the problem, naming the key, or
 * undefined when the config is valid or the plugin declares no schema.
 */
export async function configProblem(folder: string, config: Config): Promise<string | undefined> {
  const { loadConfigSchema } = await import('@backstage/config-loader');
  let schema;
  try {
    schema = await loadConfigSchema({
      dependencies: [],
      packagePaths: [path.join(folder, 'package.json')],
      excludePackageDependencies: true,
    });
  } catch (error) {
    return `its config schema cannot be read: ${(error as Error).message.split('\n')[0]}`;
  }
  try {
    schema.process([{ data: config.get() as JsonObject, context: 'app-config' }]);
    return undefined;
  } catch (error) {
    // "Config validation failed, Config must be number { type=number } at /a/b"
    const message = (error as Error).message.replace(/^Config validation failed,\s*/, '');
    return `invalid config: ${message.split('\n')[0]}`;
  }
}
