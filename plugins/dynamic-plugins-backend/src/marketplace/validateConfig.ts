import path from 'node:path';
import type { Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readInstallState } from '@devportal/plugin-dynamic-plugins-node';

/** Why a plugin's proposed `pluginConfig` is refused, naming the key; undefined when it is valid. */
export type ConfigValidator = (key: string, pluginConfig: Record<string, unknown>, pkg: string) => Promise<string | undefined>;

/**
 * Checks a proposed `pluginConfig` against the plugin's own config schema
 * (from its installed folder) over the portal's running config, so keys the
 * schema requires elsewhere are present and only this plugin's values are
 * new. A plugin not installed yet has no schema here: the backend checks its
 * config when it loads it and marks it failed with the key named.
 */
export function createConfigValidator(options: { root: string; config: Config }): ConfigValidator {
  return async (key, pluginConfig) => {
    const { checkPluginConfig } = await import('../configSchema');
    const record = readInstallState(options.root)?.plugins[key];
    if (!record) return undefined;
    const { ConfigReader } = await import('@backstage/config');
    const merged = ConfigReader.fromConfigs([
      { context: 'app-config', data: options.config.get() as JsonObject },
      { context: 'pluginConfig', data: pluginConfig as JsonObject },
    ]);
    const result = await checkPluginConfig(path.join(options.root, record.folder), merged);
    return 'problem' in result ? `${key}: pluginConfig is ${result.problem.replace(/^invalid config: /, 'invalid: ')}` : undefined;
  };
}
