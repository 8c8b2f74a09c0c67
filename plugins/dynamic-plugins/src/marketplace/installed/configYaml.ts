import { parse, stringify } from 'yaml';

/** The text the editor starts from: the plugin's `pluginConfig` as YAML, or nothing. */
export function configToYaml(config: Record<string, unknown> | undefined): string {
  return config && Object.keys(config).length > 0 ? stringify(config) : '';
}

export type ParsedConfig = { config: Record<string, unknown> } | { error: string };

/**
 * Reads the editor's text. Only syntax and shape are checked here; the
 * schema is the backend's to check (it answers 400 naming the key), so the
 * rules live in one place.
 */
export function yamlToConfig(text: string): ParsedConfig {
  let value: unknown;
  try {
    value = parse(text);
  } catch (error) {
    return { error: `Not valid YAML: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}` };
  }
  if (value === null || value === undefined) return { config: {} };
  if (typeof value !== 'object' || Array.isArray(value)) return { error: 'pluginConfig must be a mapping (key: value), not a list or a scalar' };
  return { config: value as Record<string, unknown> };
}
