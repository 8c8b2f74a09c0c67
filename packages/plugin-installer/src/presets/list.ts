import { InstallError } from '../errors';
import { readPluginConfigFile, type PluginConfigFile } from '../config/parse';
import { presetsCatalogChoice, readPresetsCatalog, type PresetsCatalog } from './catalog';
import { expandPresets, withMissingEnvironment } from './expand';
import { presetInputs, type PresetOptions } from './inputs';
import { presetNames } from './read';

/** One preset as `devportal plugins presets` shows it. */
export interface PresetListing {
  name: string;
  title: string;
  description: string;
  file: string;
  /** Selected by the file's `presets:`, `options.names` (--preset) or DEVPORTAL_PRESETS. */
  selected: boolean;
  /** Every variable it needs, and those of them unset in the environment given. */
  environment: string[];
  missing: string[];
  plugins: Array<{
    entry: string;
    title: string;
    kind: string;
    package: string;
    /** An upstream package: it installs only once exported (refused until then). */
    needsExport: boolean;
    /** Listed but off unless the file enables it. */
    disabled: boolean;
  }>;
}

/**
 * Every preset in the presets folder, each read and checked against the
 * catalog on its own: a broken preset is one line in `errors`, and the
 * others are still listed, so a platform team sees them all at once.
 */
export async function listPresets(
  configFile: string,
  options: PresetOptions = {},
): Promise<{ dir: string; presets: PresetListing[]; errors: string[] }> {
  const { dir, names } = presetInputs(configFile, options);
  const env = options.env ?? process.env;
  const presets: PresetListing[] = [];
  const errors: string[] = [];
  // What the next install would select; a broken file is the install's to report, not the listing's.
  const selected = new Set(names);
  let top: PluginConfigFile | undefined;
  try {
    top = await readPluginConfigFile(configFile, { optional: true });
    for (const preset of top.presets) selected.add(preset.name);
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
  }
  // Each preset's plugins as an install would take them: from the presets catalog when it has the entry.
  let published: PresetsCatalog | undefined;
  const choice = presetsCatalogChoice(configFile, top ?? {}, options.catalog, env);
  try {
    published = choice ? await readPresetsCatalog(choice, env) : undefined;
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    errors.push(error.message);
  }
  for (const name of await presetNames(dir)) {
    try {
      const [preset] = (await expandPresets([{ name }], dir, published)).presets;
      withMissingEnvironment([preset], env);
      presets.push({
        name: preset.name,
        title: preset.title,
        description: preset.description,
        file: preset.file,
        selected: selected.has(preset.name),
        environment: preset.required,
        missing: preset.missing,
        plugins: preset.plugins.map((plugin, index) => {
          const entry = preset.entries[index];
          return {
            entry: entry.id,
            title: entry.title,
            kind: entry.kind,
            package: entry.versions[0].package,
            needsExport: entry.needsExport === true,
            disabled: plugin.disabled === true,
          };
        }),
      });
    } catch (error) {
      if (!(error instanceof InstallError)) throw error;
      errors.push(error.message);
    }
  }
  return { dir, presets, errors };
}
