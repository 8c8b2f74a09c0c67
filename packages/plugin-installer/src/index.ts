/**
 * DevPortal's dynamic plugin installer as a library: dynamic-plugins.yaml in,
 * a verified and atomically switched dynamic plugins root out (npm, OCI,
 * local folders); publishing plugins as npm packages or OCI images beside it.
 *
 * Safe to run in-process: nothing here exits, prints or reads the current
 * folder (paths are absolute options, progress goes to a `log` callback,
 * user-facing failures are `InstallError`s with a stable `code`).
 *
 * This module loads only what an unchanged install needs (`devportal plugins
 * install` runs at every start); the rest is loaded on first call.
 *
 * @packageDocumentation
 */
import type { NpmPublishOptions } from './publish/npmPackage';
import type { OciPublishOptions } from './publish/ociImage';
import type { CatalogReadResult, CatalogSource, ReadCatalogOptions } from './catalog';

export { InstallError } from './errors';
export { installPlugins, readState, APP_CONFIG_FILE } from './install';
export type { InstallOptions, InstallOutcome, PluginOutcome, PluginStatus, InstallState } from './install';
export type { LockOptions } from './activate';
export type { InstalledRecord, SourceKind } from './sources/types';
export { readNpmSettings, redact } from './sources/npmrc';
export type { NpmSettings } from './sources/npmrc';
export type { NpmPublishOptions, OciPublishOptions };
export type { CatalogReadResult, CatalogSource, ReadCatalogEntry, ReadCatalogOptions } from './catalog';

/**
 * Loads the modules an install that fetches and extracts needs, ahead of the
 * call. An installer process started before its work is known (the
 * marketplace's warm installer) calls it while it waits.
 */
export async function preloadInstaller(): Promise<void> {
  await Promise.all([
    import('./installOne'),
    import('./config/layers'),
    import('./config/merge'),
    import('yaml'),
    import('./sources/npm'),
    import('./sources/npmDownload'),
    import('./extract'),
    import('pacote'),
    import('npm-registry-fetch'),
  ]);
}

/** A `package:` line's key across config layers (the package without its version, RHDH's rule), and whether it is valid. */
export async function pluginKeyOf(spec: string): Promise<{ key: string; error?: string; source?: string }> {
  const classified = (await import('./spec/classify')).classifySpec(spec);
  return classified.type === 'invalid'
    ? { key: classified.key, error: classified.error.message }
    : { key: classified.key, source: classified.source };
}

/**
 * The base file with its includes and an optional marketplace layer, layered
 * as an install would (without fetching anything): each plugin's key,
 * effective entry and whether it is enabled.
 */
export async function resolvePluginConfig(
  configFile: string,
  options: { layerFile?: string; maxBytes?: number; presets?: import('./presets/inputs').PresetOptions } = {},
): Promise<import('./config/layers').ResolvedConfig> {
  return (await import('./config/layers')).resolvePluginConfig(configFile, options);
}

/**
 * The presets of the presets folder (`marketplace/presets` next to
 * `configFile`, or `options.dir`), each with its plugins and the
 * environment variables it needs; a broken preset is a line in `errors`.
 */
export async function listPresets(
  configFile: string,
  options: import('./presets/inputs').PresetOptions = {},
): Promise<{ dir: string; presets: import('./presets/list').PresetListing[]; errors: string[] }> {
  return (await import('./presets/list')).listPresets(configFile, options);
}
export type { PresetListing } from './presets/list';
export type { PresetOptions } from './presets/inputs';
export { selectPresetsCatalog } from './presets/inputs';

/** Resolves a spec to what Install pins: exact npm version + integrity, or an OCI image by digest. */
export async function pinPackage(
  spec: string,
  options: import('./pin').PinOptions,
): Promise<import('./pin').PinnedPackage> {
  return (await import('./pin')).pinPackage(spec, options);
}
export type { PinnedPackage, PinOptions } from './pin';
export type { ResolvedConfig } from './config/layers';

/** `dynamic-plugins.yaml` with a marketplace layer folded in, comments kept: text to commit back to Git. */
export async function renderEffectiveConfig(
  baseFile: string,
  layer: import('@devportal/plugin-dynamic-plugins-common').LayerEntry[],
): Promise<string> {
  return (await import('./config/effective')).renderEffectiveConfig(baseFile, layer);
}

/**
 * Publishes a package folder to an npm registry (npm's publish protocol,
 * .npmrc authentication); resolves to its name, version and integrity.
 */
export async function publishNpmPackage(options: NpmPublishOptions): Promise<{ name: string; version: string; integrity: string; keyid?: string }> {
  return (await import('./publish/npmPackage')).publishNpmPackage(options);
}

/**
 * Publishes plugin package folders as one OCI image in RHDH's layout;
 * resolves to the manifest digest and the plugin folders.
 */
export async function publishOciImage(options: OciPublishOptions): Promise<{ digest: string; plugins: string[]; signature?: { keyid: string; digest: string } }> {
  return (await import('./publish/ociImage')).publishOciImage(options);
}

/**
 * Reads the marketplace catalog from its sources (index folders, list files,
 * URLs, RHDH catalog index images); every problem is one line in `errors`
 * and the good entries still load (docs/plugins/catalog-format.md).
 */
export async function readCatalog(sources: CatalogSource[], options: ReadCatalogOptions = {}): Promise<CatalogReadResult> {
  return (await import('./catalog')).readCatalog(sources, options);
}

/**
 * Pushes catalog entries as an RHDH catalog index image (`catalog-entities/extensions/`
 * and `dynamic-plugins.default.yaml`), the layout `readCatalog`'s `oci` sources read back.
 */
export async function publishRhdhCatalogIndex(options: {
  reference: string;
  items: import('./catalog/rhdhIndex').RhdhIndexItem[];
  insecureRegistries?: string[];
}): Promise<{ digest: string }> {
  return (await import('./catalog/rhdhIndex')).publishRhdhCatalogIndex(options);
}
export type { RhdhIndexItem } from './catalog/rhdhIndex';
