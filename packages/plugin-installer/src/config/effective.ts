import type { LayerEntry } from '@devportal/plugin-dynamic-plugins-common';
import YAML, { isMap, isSeq, type YAMLMap, type YAMLSeq } from 'yaml';
import { DEFAULT_MAX_CONFIG_BYTES, readRegularFile } from '../files';
import { classifySpec } from '../spec/classify';
import { parsePluginConfig } from './parse';

/** The keys a layer entry sets, in the order they are written. */
const LAYER_KEYS = ['package', 'integrity', 'disabled', 'pluginConfig'] as const;

/**
 * `dynamic-plugins.yaml` with the marketplace layer folded in, as text a
 * platform team can commit back to Git (`./devportal plugins state`). The
 * base document is edited in place so its comments and order survive: an
 * entry the layer overrides is changed where it stands, a new one is added at
 * the end. An override of an entry from an included file is added to the top
 * file, where layering puts it anyway.
 */
export async function renderEffectiveConfig(baseFile: string, layer: LayerEntry[], options: { maxBytes?: number } = {}): Promise<string> {
  const text = await readRegularFile(baseFile, options.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES, 'raise it with --max-config-size')
    .then(buffer => buffer.toString('utf8'))
    .catch(error => {
      // No base file is an empty base, as for the installer.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
      throw error;
    });
  // Parsed once for its checks (proto keys, limits, positions in errors), once as an editable document.
  parsePluginConfig(text, baseFile);
  const doc = YAML.parseDocument(text);
  if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
  let plugins = doc.get('plugins', true);
  if (!isSeq(plugins)) {
    plugins = doc.createNode([]) as YAMLSeq;
    doc.set('plugins', plugins);
  }
  const items = (plugins as YAMLSeq).items;
  for (const entry of layer) {
    const key = classifySpec(entry.package).key;
    const node = items.find(item => isMap(item) && typeof item.get('package') === 'string' && classifySpec(item.get('package') as string).key === key) as
      | YAMLMap
      | undefined;
    if (!node) {
      (plugins as YAMLSeq).add(doc.createNode(pick(entry)));
      continue;
    }
    for (const name of LAYER_KEYS) {
      if (entry[name] !== undefined) node.set(name, doc.createNode(entry[name]));
    }
    // `enabled` wins over `disabled` in the installer; a layer that sets `disabled` must not be undone by it.
    if (entry.disabled !== undefined && node.has('enabled')) node.delete('enabled');
  }
  return doc.toString();
}

function pick(entry: LayerEntry): Partial<LayerEntry> {
  return Object.fromEntries(LAYER_KEYS.filter(name => entry[name] !== undefined).map(name => [name, entry[name]]));
}
