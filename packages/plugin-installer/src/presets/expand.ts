import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { InstallError } from '../errors';
import { readIndexFolder } from '../catalog/local';
import { environmentOf } from '../catalog/entry';
import { DEFAULT_MAX_CATALOG_FILE_BYTES, type ReadCatalogEntry } from '../catalog/types';
import { formatLocation, type PluginConfigFile, type PluginEntry, type SourceLocation } from '../config/parse';
import { presetsCatalogChoice, readPresetsCatalog, type PresetsCatalog } from './catalog';
import { presetInputs, type PresetOptions } from './inputs';
import { presetFile, presetNames, readPresetFile, type Preset } from './read';

export type { PresetOptions };

/** A preset as selected: by the file (with its place) or from outside it. */
export interface PresetSelection {
  name: string;
  /** `file:line:col` of the name in `presets:`; absent for --preset and DEVPORTAL_PRESETS. */
  location?: SourceLocation;
}

/** A selected preset with what it installs and needs. */
export interface ResolvedPreset extends Preset {
  /** Every variable it needs: its own `environment`, and each enabled entry's. */
  required: string[];
  /** The variables of `required` that are unset or empty. */
  missing: string[];
  entries: ReadCatalogEntry[];
}

export interface ExpandedPresets {
  presets: ResolvedPreset[];
  /** The presets' plugins as config entries: the lowest level of layering. */
  entries: PluginEntry[];
  /** Preset and index files read, for change detection. */
  files: string[];
}

/** The index folder preset entries are looked up in: `index` beside the presets folder (`marketplace/index`). */
export function catalogDirOf(presetsDir: string): string {
  return path.join(path.dirname(presetsDir), 'index');
}

/**
 * Reads the selected presets and the catalog entries they name, in the
 * order selected (the file's first, then --preset and DEVPORTAL_PRESETS;
 * a name given twice counts once). An entry of the presets catalog
 * (`published`, presets/catalog.ts) wins over the index's entry of the same
 * id. An unknown preset, or an entry neither has, is an InstallError naming
 * where it was asked for.
 */
export async function expandPresets(selected: PresetSelection[], dir: string, published?: PresetsCatalog): Promise<ExpandedPresets> {
  const result: ExpandedPresets = { presets: [], entries: [], files: [] };
  const unique = selected.filter((s, i) => selected.findIndex(o => o.name === s.name) === i);
  if (unique.length === 0) return result;

  const presets: Preset[] = [];
  for (const selection of unique) {
    const file = await presetFile(dir, selection.name);
    if (!file) {
      const known = await presetNames(dir);
      // The file's names come first in `selected`, so the index is the one in its `presets:` list.
      const where = selection.location ? `${formatLocation(selection.location)}: presets[${selected.indexOf(selection)}]` : '--preset or DEVPORTAL_PRESETS';
      const list = known.length > 0 ? `known: ${known.join(', ')}` : `there are none in ${dir}`;
      throw new InstallError(`${where}: unknown preset '${selection.name}' (${list})`, 'UNKNOWN_PRESET');
    }
    presets.push(await readPresetFile(file));
    result.files.push(file);
  }

  const catalogDir = catalogDirOf(dir);
  const catalog = await readIndexFolder(catalogDir, DEFAULT_MAX_CATALOG_FILE_BYTES);
  const byId = new Map(catalog.entries.map(entry => [entry.id, entry]));
  const entryFiles = new Set<string>();
  for (const preset of presets) {
    const resolved: ResolvedPreset = { ...preset, required: [], missing: [], entries: [] };
    const required = new Set(preset.environment);
    for (const [index, plugin] of preset.plugins.entries()) {
      const exported = published?.byId.get(plugin.entry);
      const entry = exported ?? byId.get(plugin.entry);
      if (!entry) {
        // The index file may be there but broken: its own error says why.
        const problem = catalog.errors.find(line => line.startsWith(path.join(catalogDir, `${plugin.entry}.yaml`)));
        throw new InstallError(
          `${formatLocation(plugin.keyLocations.entry ?? plugin.location)}: plugins[${index}].entry: ` +
            (problem ? `the catalog entry '${plugin.entry}' cannot be read: ${problem}` : `no catalog entry '${plugin.entry}' in ${catalogDir}`),
          'UNKNOWN_PRESET_ENTRY',
        );
      }
      resolved.entries.push(entry);
      // The presets catalog's file is added once, below; an image or URL is no file to hash.
      if (!exported) entryFiles.add(entry.origin!);
      const pluginConfig = plugin.pluginConfig ?? entry.defaultConfig;
      const newest = entry.versions[0];
      result.entries.push({
        package: newest.package,
        ...(newest.integrity ? { integrity: newest.integrity } : {}),
        ...(pluginConfig ? { pluginConfig } : {}),
        ...(plugin.disabled !== undefined ? { disabled: plugin.disabled } : {}),
        location: plugin.location,
        keyLocations: {
          package: plugin.keyLocations.entry ?? plugin.location,
          ...(newest.integrity ? { integrity: plugin.keyLocations.entry ?? plugin.location } : {}),
          ...(pluginConfig ? { pluginConfig: plugin.keyLocations.pluginConfig ?? plugin.location } : {}),
          ...(plugin.keyLocations.disabled ? { disabled: plugin.keyLocations.disabled } : {}),
        },
        preset: { name: preset.name, entry: entry.id, package: newest.package, integrity: newest.integrity, needsExport: entry.needsExport === true },
      });
      if (plugin.disabled) continue;
      // The preset's own pluginConfig replaces the entry's default, and with it the variables that default named.
      for (const name of plugin.pluginConfig ? environmentOf(plugin.pluginConfig) : (entry.environment ?? [])) required.add(name);
    }
    resolved.required = [...required];
    result.presets.push(resolved);
  }
  result.files.push(...[...entryFiles].sort(), ...(published?.files ?? []));
  result.entries = withoutTwins(result.entries);
  return result;
}

/**
 * Two presets may share an entry (github and github-pat both list the
 * GitHub catalog module): the same plugin with the same settings counts
 * once. Different settings are left for layering to report as a duplicate,
 * naming both preset files.
 */
function withoutTwins(entries: PluginEntry[]): PluginEntry[] {
  const same = (a: PluginEntry, b: PluginEntry) =>
    a.package === b.package && a.integrity === b.integrity && a.disabled === b.disabled && isDeepStrictEqual(a.pluginConfig, b.pluginConfig);
  return entries.filter((entry, i) => !entries.slice(0, i).some(earlier => same(earlier, entry)));
}

/** Fills `missing` from the environment; the presets that lack something. */
export function withMissingEnvironment(presets: ResolvedPreset[], env: NodeJS.ProcessEnv): ResolvedPreset[] {
  for (const preset of presets) preset.missing = preset.required.filter(name => !env[name]);
  return presets.filter(preset => preset.missing.length > 0);
}

/**
 * One line for every preset whose variables are unset: the most common
 * support problem with RHDH's plugins is a plugin that starts without the
 * token it needs and fails later, somewhere else.
 */
export function missingEnvironmentMessage(lacking: ResolvedPreset[]): string | undefined {
  if (lacking.length === 0) return undefined;
  const parts = lacking.map(preset => `preset ${preset.name} needs ${preset.missing.join(', ')}`);
  const count = lacking.reduce((n, preset) => n + preset.missing.length, 0);
  return `${parts.join('; ')} — set ${count === 1 ? 'it' : 'them'} or remove the preset${lacking.length === 1 ? '' : 's'}`;
}

/**
 * The file's `presets:` and those selected outside it, expanded (what
 * layering puts below includes), with the presets catalog the options or the
 * file choose. The catalog is read only when some preset is selected.
 */
export async function expandSelectedPresets(
  configFile: string,
  top: Pick<PluginConfigFile, 'presets' | 'presetsCatalog'>,
  options: PresetOptions = {},
): Promise<ExpandedPresets> {
  const inputs = presetInputs(configFile, options);
  const selected = [...top.presets, ...inputs.names.map(name => ({ name }))];
  const env = options.env ?? process.env;
  const choice = selected.length > 0 ? presetsCatalogChoice(configFile, top, options.catalog, env) : undefined;
  const published = choice ? await readPresetsCatalog(choice, env) : undefined;
  return expandPresets(selected, inputs.dir, published);
}
