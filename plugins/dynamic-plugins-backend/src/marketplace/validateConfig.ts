import path from 'node:path';
import { ConfigReader, type Config } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { readInstallState } from '@devportal/plugin-dynamic-plugins-node';
import { checkPluginConfig, loadPluginConfigSchema } from '../configSchema';

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
    const record = readInstallState(options.root)?.plugins[key];
    if (!record) return undefined;
    const merged = ConfigReader.fromConfigs([
      { context: 'app-config', data: options.config.get() as JsonObject },
      { context: 'pluginConfig', data: pluginConfig as JsonObject },
    ]);
    const folder = path.join(options.root, record.folder);
    const result = await checkPluginConfig(folder, merged);
    if ('problem' in result) return `${key}: pluginConfig is ${result.problem.replace(/^invalid config: /, 'invalid: ')}`;
    const secret = await plainSecret(folder, pluginConfig);
    return secret
      ? `${key}: pluginConfig ${secret} is a secret: write it as an environment reference such as \${MY_SECRET} and set the variable where the portal runs; it is never stored as text`
      : undefined;
  };
}

/**
 * An installed plugin's own config schemas (JSON Schema documents, with
 * Backstage's `visibility` annotations), for the page to build a form from.
 * Empty when the plugin is not installed or declares none.
 */
export async function pluginSchemas(root: string, key: string): Promise<JsonObject[]> {
  const record = readInstallState(root)?.plugins[key];
  if (!record) return [];
  // dist-scalprum/configSchema.json first, as the backend reads it (configSchema.ts).
  const schema = await loadPluginConfigSchema(path.join(root, record.folder));
  return (schema.serialize().schemas as Array<{ value: JsonObject }>).map(s => s.value);
}

/** A key the plugin's schema marks `visibility: secret` holding a literal instead of a `${VAR}` reference. */
async function plainSecret(folder: string, pluginConfig: Record<string, unknown>): Promise<string | undefined> {
  const schema = await loadPluginConfigSchema(folder);
  // Raw values (no substitution happened here), filtered down to the secret keys.
  const [secrets] = schema.process([{ data: pluginConfig as JsonObject, context: 'pluginConfig' }], { visibility: ['secret'], ignoreSchemaErrors: true });
  const walk = (value: unknown, at: string): string | undefined => {
    if (typeof value === 'string') return /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value) ? undefined : at;
    if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        const found = walk(v, `${at}.${k}`);
        if (found) return found;
      }
    }
    return typeof value === 'number' ? at : undefined;
  };
  const found = secrets ? walk(secrets.data, '') : undefined;
  return found ? found.replace(/^\./, '') : undefined;
}
