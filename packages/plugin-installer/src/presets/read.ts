import fs from 'node:fs/promises';
import path from 'node:path';
import type { Node } from 'yaml';
import { InstallError } from '../errors';
import { readRegularFile } from '../files';
import { ENV_RE, ID_RE } from '../catalog/entry';
import { CatalogFileError, decodeUtf8, MapReader, parseCatalogYaml } from '../catalog/yaml';
import type { SourceLocation } from '../config/parse';

/**
 * A preset (VeeCode calls them profiles): a named bundle of catalog entries,
 * the pluginConfig each gets, and the environment variables they need.
 * Presets are data kept in the repository, one file each
 * (`marketplace/presets/<name>.yaml`, docs/plugins/presets.md).
 */
export interface Preset {
  name: string;
  title: string;
  description: string;
  /** Variables the preset needs besides those of its entries (e.g. a sign-in client id). */
  environment: string[];
  plugins: PresetPlugin[];
  file: string;
}

export interface PresetPlugin {
  /** The id of a catalog entry in the index folder next to the presets folder. */
  entry: string;
  /** Replaces the entry's `defaultConfig` when given. */
  pluginConfig?: Record<string, unknown>;
  /** Listed, but installed only when the file (or the marketplace) enables it. */
  disabled?: boolean;
  location: SourceLocation;
  keyLocations: Record<string, SourceLocation>;
}

const PRESET_KEYS = new Set(['name', 'title', 'description', 'environment', 'plugins']);
const PLUGIN_KEYS = new Set(['entry', 'pluginConfig', 'disabled']);
/** A preset file is a few lines of curated YAML; anything near this is not one. */
const MAX_PRESET_BYTES = 1024 * 1024;

/**
 * Reads one preset file. Strict like the catalog index (an unknown key is a
 * typo, not something to skip), and within the same YAML limits; every
 * problem is an InstallError naming `file:line: key`.
 */
export async function readPresetFile(file: string): Promise<Preset> {
  let text: string;
  try {
    text = decodeUtf8(await readRegularFile(file, MAX_PRESET_BYTES, 'preset files'), file);
  } catch (error) {
    if (error instanceof InstallError || error instanceof CatalogFileError) throw new InstallError(error.message, 'INVALID_PRESET');
    throw new InstallError(`${file}: cannot read the preset (${(error as NodeJS.ErrnoException).code ?? error})`, 'INVALID_PRESET');
  }
  try {
    return parsePreset(text, file);
  } catch (error) {
    if (error instanceof CatalogFileError) throw new InstallError(error.message, 'INVALID_PRESET');
    throw error;
  }
}

function parsePreset(text: string, file: string): Preset {
  const yaml = parseCatalogYaml(text, file);
  if (yaml.documents.length !== 1) throw new CatalogFileError(`${file}:1: a preset file holds one YAML document`);
  const doc = yaml.documents[0];
  const preset = MapReader.of(yaml, doc, doc.contents, '', 'a preset with name, title, description and plugins');
  const unknown = preset.keys().find(key => !PRESET_KEYS.has(key));
  if (unknown !== undefined) preset.fail(unknown, `unknown key (known: ${[...PRESET_KEYS].join(', ')})`);
  const name = preset.string('name', { required: true, pattern: ID_RE, hint: 'must be lowercase letters, digits and -' })!;
  const expected = path.basename(file).replace(/\.ya?ml$/, '');
  if (name !== expected) preset.fail('name', `is '${name}' but the file is ${path.basename(file)}: name the file <name>.yaml`);
  // Entries that come from a preset carry its place, like any config entry.
  const at = (node: Node | null | undefined): SourceLocation => {
    const offset = node?.range?.[0] ?? 0;
    return { file, line: yaml.line(node), col: offset - text.lastIndexOf('\n', offset - 1) };
  };

  const title = preset.string('title', { required: true })!;
  const description = preset.string('description', { required: true, max: 2000 })!;
  const environment = preset.strings('environment', { pattern: ENV_RE, hint: 'must be an environment variable name' }) ?? [];
  const items = preset.list('plugins');
  if (!items || items.length === 0) preset.fail('plugins', 'must list at least one catalog entry');
  const plugins = items!.map((item, index): PresetPlugin => {
    const plugin = MapReader.of(yaml, doc, item, `plugins[${index}]`, 'entry and optionally pluginConfig, disabled');
    const bad = plugin.keys().find(key => !PLUGIN_KEYS.has(key));
    if (bad !== undefined) plugin.fail(bad, `unknown key (known: ${[...PLUGIN_KEYS].join(', ')})`);
    const keyLocations: Record<string, SourceLocation> = {};
    for (const pair of plugin.node.items) keyLocations[String((pair.key as any)?.value)] = at(pair.key as Node);
    const result: PresetPlugin = {
      entry: plugin.string('entry', { required: true, pattern: ID_RE, hint: 'must be the id of a catalog entry' })!,
      location: at(item),
      keyLocations,
    };
    const pluginConfig = plugin.record('pluginConfig');
    if (pluginConfig) result.pluginConfig = pluginConfig;
    const disabled = plugin.value('disabled');
    if (disabled !== undefined && typeof disabled !== 'boolean') plugin.fail('disabled', 'must be true or false');
    if (disabled !== undefined) result.disabled = disabled as boolean;
    return result;
  });
  const seen = new Map<string, number>();
  plugins.forEach((plugin, index) => {
    const first = seen.get(plugin.entry);
    if (first !== undefined) throw yaml.error(items![index], `plugins[${index}].entry`, `'${plugin.entry}' is already plugins[${first}]`);
    seen.set(plugin.entry, index);
  });

  return {
    name,
    title,
    description,
    environment,
    plugins,
    file,
  };
}

/** The names of the presets in a folder (`<name>.yaml`), sorted; none when the folder does not exist. */
export async function presetNames(dir: string): Promise<string[]> {
  const names = await fs.readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [] as string[];
    throw new InstallError(`${dir}: cannot read the presets folder (${error.code})`, 'INVALID_PRESET');
  });
  return names
    .filter(name => /\.ya?ml$/.test(name))
    .map(name => name.replace(/\.ya?ml$/, ''))
    .filter(name => ID_RE.test(name))
    .sort();
}

/** The file of a preset, `.yaml` before `.yml`; undefined when there is none. */
export async function presetFile(dir: string, name: string): Promise<string | undefined> {
  if (!ID_RE.test(name)) return undefined;
  for (const ext of ['.yaml', '.yml']) {
    const file = path.join(dir, `${name}${ext}`);
    if (await fs.stat(file).then(s => s.isFile(), () => false)) return file;
  }
  return undefined;
}
