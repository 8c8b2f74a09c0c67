import { isMap, parse, parseDocument, stringify } from 'yaml';

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

/**
 * Sets (or, for `undefined`, removes) one key path in the editor's text, for
 * the form. It edits the YAML document rather than re-printing the parsed
 * value, so comments and the other keys stay as the admin wrote them.
 * Mappings left empty by a removal are removed too.
 */
export function setInYaml(text: string, path: string[], value: unknown): string {
  const doc = parseDocument(text);
  if (value === undefined) {
    doc.deleteIn(path);
    for (let depth = path.length - 1; depth > 0; depth--) {
      const parent = doc.getIn(path.slice(0, depth), true);
      if (isMap(parent) && parent.items.length === 0) doc.deleteIn(path.slice(0, depth));
    }
  } else {
    doc.setIn(path, value);
  }
  return isMap(doc.contents) && doc.contents.items.length === 0 ? '' : String(doc);
}
