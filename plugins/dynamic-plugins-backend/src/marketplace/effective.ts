import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { layerDocument, type EffectivePlugin, type KeyedLayerEntry } from '@devportal/plugin-dynamic-plugins-node';
import { resolvePluginConfig, type ResolvedConfig } from '@devportal/plugin-installer';
import YAML from 'yaml';
import { resolveBaseConfig } from './baseConfigCache';

/** One plugin as the base file and the layer together make it. */
export interface LayeredPlugin extends EffectivePlugin {
  /** Set when dynamic-plugins.yaml (or an include) has the plugin. */
  base?: { package: string; locked: boolean };
  inLayer: boolean;
  integrity?: string;
  source?: string;
}

/**
 * Layers the marketplace layer over the base file exactly as the installer
 * will (the installer's own resolver, reading a temporary copy of the layer),
 * so what the page shows and what an apply installs cannot disagree.
 */
export async function layeredPlugins(
  baseFile: string,
  layer: KeyedLayerEntry[],
  /** The base file as resolvePluginConfig read it, when the caller has it (an apply layers two layers over one base). */
  resolvedBase?: ResolvedConfig,
): Promise<LayeredPlugin[]> {
  const base = resolvedBase ?? (await resolveBaseConfig(baseFile));
  const baseByKey = new Map(base.plugins.map(p => [p.key, p]));
  const inLayer = new Set(layer.map(entry => entry.key));
  const effective = layer.length === 0 ? base : await withLayerFile(layer, layerFile => resolvePluginConfig(baseFile, { layerFile }));
  return effective.plugins.map(plugin => {
    const fromBase = baseByKey.get(plugin.key);
    return {
      key: plugin.key,
      package: plugin.package,
      enabled: plugin.isEnabled,
      pluginConfig: plugin.pluginConfig,
      integrity: plugin.integrity,
      source: 'source' in plugin.spec ? (plugin.spec as { source?: string }).source : undefined,
      base: fromBase ? { package: fromBase.package, locked: fromBase.locked === true } : undefined,
      inLayer: inLayer.has(plugin.key),
    };
  });
}

async function withLayerFile<T>(layer: KeyedLayerEntry[], use: (file: string) => Promise<T>): Promise<T> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-layer-'));
  try {
    const file = path.join(dir, 'layer.yaml');
    await fs.writeFile(file, YAML.stringify(layerDocument(layer)));
    return await use(file);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
