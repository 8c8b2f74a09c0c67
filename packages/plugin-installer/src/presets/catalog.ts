import path from 'node:path';
import { InstallError } from '../errors';
import { readCatalog } from '../catalog';
import type { CatalogSource, ReadCatalogEntry } from '../catalog/types';
import { formatLocation, type PluginConfigFile } from '../config/parse';
import { isPresetsCatalogReference, PRESETS_CATALOG_ENV } from './inputs';

/**
 * The presets catalog: what `devportal catalog build --publish` wrote, read
 * so that presets install exported plugins on a portal without build tools.
 * A preset's entry found there wins over the index folder's entry of the same
 * id (which, for an upstream package, still `needsExport`). Read with the
 * marketplace's own catalog readers: the list file the build writes, the same
 * list over HTTPS, or the RHDH catalog index image it pushes.
 */
export interface PresetsCatalogChoice {
  /** As given, for messages. */
  value: string;
  source: CatalogSource;
  /** Where it was given: `file:line:col: presetsCatalog` or the option and variable. */
  where: string;
}

/** `oci://…` is an RHDH catalog index image, `https://…` a list over HTTPS, anything else a list file relative to `baseDir`. */
export function presetsCatalogSource(value: string, baseDir: string): CatalogSource {
  if (!isPresetsCatalogReference(value)) return { type: 'file', path: path.resolve(baseDir, value) };
  return value.startsWith('oci://') ? { type: 'oci', image: value } : { type: 'url', url: value };
}

/**
 * Which presets catalog applies: `--presets-catalog` (given as `option`, an
 * absolute path or a reference), else DEVPORTAL_PRESETS_CATALOG (relative to
 * the folder of dynamic-plugins.yaml, like DEVPORTAL_PRESETS_DIR), else the
 * top-level file's `presetsCatalog:` (relative to that file). Included files
 * and the marketplace layer cannot set it (config/layers.ts warns).
 */
export function presetsCatalogChoice(
  configFile: string,
  top: Pick<PluginConfigFile, 'presetsCatalog'>,
  option: string | undefined,
  env: NodeJS.ProcessEnv,
): PresetsCatalogChoice | undefined {
  const configDir = path.dirname(configFile);
  const fromOutside = option ?? (env[PRESETS_CATALOG_ENV] || undefined);
  if (fromOutside) {
    return { value: fromOutside, source: presetsCatalogSource(fromOutside, configDir), where: `--presets-catalog or ${PRESETS_CATALOG_ENV}` };
  }
  if (!top.presetsCatalog) return undefined;
  const { value, location } = top.presetsCatalog;
  return { value, source: presetsCatalogSource(value, configDir), where: `${formatLocation(location)}: presetsCatalog` };
}

export interface PresetsCatalog {
  byId: Map<string, ReadCatalogEntry>;
  /** The list file, when the catalog is one: an input of the install (a new publish changes what is installed). */
  files: string[];
}

/**
 * Reads the presets catalog. A catalog that gives nothing at all (missing
 * file, unreachable image) stops the install, naming where it was chosen:
 * silently falling back to the index would refuse every exported entry with
 * a message that hides the real problem. A bad entry among good ones only
 * leaves that entry to the index, as the marketplace does.
 */
export async function readPresetsCatalog(choice: PresetsCatalogChoice, env: NodeJS.ProcessEnv): Promise<PresetsCatalog> {
  const { entries, errors } = await readCatalog([choice.source], { env });
  if (entries.length === 0 && errors.length > 0) {
    throw new InstallError(`${choice.where}: cannot read the presets catalog: ${errors[0]}`, 'PRESETS_CATALOG_UNREADABLE');
  }
  return {
    byId: new Map(entries.map(entry => [entry.id, entry])),
    files: choice.source.type === 'file' ? [choice.source.path] : [],
  };
}
