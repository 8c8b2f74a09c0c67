import path from 'node:path';
import { InstallError } from '../errors';
import { DEFAULT_MAX_CONFIG_BYTES, readRegularFile } from '../files';
import type { ResolvedPlugin } from '../config/layers';

/**
 * What an install needs to know about presets before it parses anything.
 * Kept apart from expand.ts so that an unchanged install (every start) loads
 * no YAML or catalog code when no preset is selected.
 */

/** Where presets come from and which are selected besides the file's `presets:`. */
export interface PresetOptions {
  /** Presets selected outside the file (`--preset`), added after the file's own. */
  names?: string[];
  /** The presets folder; default DEVPORTAL_PRESETS_DIR, else `marketplace/presets` next to dynamic-plugins.yaml. */
  dir?: string;
  /**
   * The presets catalog (`--presets-catalog`: a published catalog file, an
   * `https://` URL or an `oci://` catalog index image); default
   * DEVPORTAL_PRESETS_CATALOG, else the file's `presetsCatalog:` (presets/catalog.ts).
   */
  catalog?: string;
  /** DEVPORTAL_PRESETS (comma-separated names), DEVPORTAL_PRESETS_DIR and DEVPORTAL_PRESETS_CATALOG are read here; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The environment variable that selects the presets catalog for every reader (`./devportal start --presets-catalog` sets it). */
export const PRESETS_CATALOG_ENV = 'DEVPORTAL_PRESETS_CATALOG';

/** A presets catalog given as `oci://` (an RHDH catalog index image) or `http(s)://` is a reference; anything else is a file path. */
export function isPresetsCatalogReference(value: string): boolean {
  return value.startsWith('oci://') || /^https?:\/\//.test(value);
}

/**
 * `--presets-catalog` (plugins install, run): set as DEVPORTAL_PRESETS_CATALOG,
 * which every reader of presets honours (the installs of a run and the
 * backend's view of the base, like DEVPORTAL_PRESETS), a path made absolute
 * against `cwd` since the variable is otherwise relative to dynamic-plugins.yaml.
 */
export function selectPresetsCatalog(value: string | undefined, cwd: string, env: NodeJS.ProcessEnv = process.env): void {
  if (value) env[PRESETS_CATALOG_ENV] = isPresetsCatalogReference(value) ? value : path.resolve(cwd, value);
}

/**
 * The names selected outside the file and the presets folder. DEVPORTAL_PRESETS
 * is how `./devportal start --preset` reaches every installer run and the
 * backend (whose marketplace must see the same base as the installer).
 */
export function presetInputs(configFile: string, options: PresetOptions = {}): { names: string[]; dir: string; explicitDir: boolean } {
  const env = options.env ?? process.env;
  const fromEnv = (env.DEVPORTAL_PRESETS ?? '')
    .split(',')
    .map(name => name.trim())
    .filter(Boolean);
  const names = [...new Set([...(options.names ?? []), ...fromEnv])];
  const explicit = options.dir ?? (env.DEVPORTAL_PRESETS_DIR || undefined);
  const dir = path.resolve(path.dirname(configFile), explicit ?? path.join('marketplace', 'presets'));
  return { names, dir, explicitDir: explicit !== undefined };
}

/**
 * Part of an install's inputs hash: presets chosen outside the file, or
 * another folder, change what is installed although no file changed.
 * Undefined when neither is given, so existing roots keep their hash.
 */
export function presetInputsKey(configFile: string, options: PresetOptions): { names: string[]; dir: string; catalog?: string } | undefined {
  const inputs = presetInputs(configFile, options);
  // A catalog chosen outside the file is an input too (the file's own `presetsCatalog:` is hashed with the file).
  const catalog = options.catalog ?? ((options.env ?? process.env)[PRESETS_CATALOG_ENV] || undefined);
  if (inputs.names.length === 0 && !inputs.explicitDir && !catalog) return undefined;
  return { names: inputs.names, dir: inputs.dir, ...(catalog ? { catalog } : {}) };
}

/**
 * Runs before every install, the unchanged ones too (the variables are not
 * part of what makes an install "unchanged"): a selected preset whose
 * variables are unset stops the install with one line naming all of them.
 * A file that never says `presets` and nothing selected outside it costs one read.
 */
export async function checkPresetEnvironment(
  configFile: string,
  options: PresetOptions & { maxBytes?: number },
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const inputs = presetInputs(configFile, options);
  // The installer's own reader (regular files within the size limit: a FIFO must not block this
  // check); whatever it refuses is reported by the install itself, with its usual message.
  const text = await readRegularFile(configFile, options.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES).then(
    bytes => bytes.toString('utf8'),
    () => '',
  );
  // Any mention, not only a plain `presets:` line: a quoted or flow key must not skip the check.
  if (inputs.names.length === 0 && !text.includes('presets')) return;
  const { readPluginConfigFile } = await import('../config/parse');
  const { expandSelectedPresets, missingEnvironmentMessage, withMissingEnvironment } = await import('./expand');
  const top = await readPluginConfigFile(configFile, { optional: true, maxBytes: options.maxBytes });
  const expanded = await expandSelectedPresets(configFile, top, { ...options, env });
  const message = missingEnvironmentMessage(withMissingEnvironment(expanded.presets, env));
  if (message) throw new InstallError(message, 'PRESET_ENVIRONMENT');
}

/**
 * A catalog entry marked `needsExport` is an upstream package: installed as
 * published it would fail later, when the backend or the browser loads it.
 * Refused here, in one line, unless the file (or the marketplace) replaced
 * its package or integrity with an export of it, or disabled it.
 */
export function refuseUnexportedPresetPlugins(plugins: ResolvedPlugin[]): void {
  const unexported = plugins.filter(
    p => p.isEnabled && p.preset?.needsExport && p.package === p.preset.package && p.integrity === p.preset.integrity,
  );
  if (unexported.length === 0) return;
  const list = unexported.map(p => `${p.preset!.entry} (${p.package}, preset ${p.preset!.name})`).join(', ');
  throw new InstallError(
    `${list}: upstream package${unexported.length === 1 ? '' : 's'}, not yet exported as dynamic plugins — ` +
      'export and publish each (devportal plugin export --from-npm, plugin publish), then give its package and integrity under plugins:, ' +
      'or point presetsCatalog: (--presets-catalog, DEVPORTAL_PRESETS_CATALOG) at a catalog published by devportal catalog build --publish that has it, ' +
      'or disable it there',
    'PRESET_NEEDS_EXPORT',
  );
}
