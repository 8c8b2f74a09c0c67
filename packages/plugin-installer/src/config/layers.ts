import { InstallError } from '../errors';
import type { PresetOptions, ResolvedPreset } from '../presets/expand';
import { INHERIT_TAG } from '../oci/reference';
import { classifySpec, inheritsVersion, type PluginSpec } from '../spec/classify';
import type { TrustPolicy } from '../trust/policy';
import {
  formatLocation,
  readPluginConfigFile,
  type PluginEntry,
  type SourceLocation,
} from './parse';

/** A plugin after layering: the effective entry and where it came from. */
export interface ResolvedPlugin extends PluginEntry {
  /** Identity across layers: the package without its version (RHDH's rule). */
  key: string;
  /** The effective `package`, classified (after `{{inherit}}` is resolved). */
  spec: PluginSpec;
  /** Whether it is to be installed: `enabled` wins over `disabled`. */
  isEnabled: boolean;
  /** Every entry that contributed, lowest layer first. */
  locations: SourceLocation[];
}

export interface ResolvedConfig {
  plugins: ResolvedPlugin[];
  warnings: string[];
  /** The presets selected (the file's `presets:`, --preset, DEVPORTAL_PRESETS), in order. */
  presets: ResolvedPreset[];
  /** Every file read, for change detection. */
  files: string[];
  /** The top-level file's `trust:` policy (only that file's: see below). */
  trust?: TrustPolicy;
}

/**
 * Reads the top-level file and its `includes`, then layers them: entries of
 * included files (level 0) are overridden by the including file (level 1) key
 * by key; `pluginConfig` is replaced whole. The same plugin twice within one
 * level is an error naming both places.
 */
export async function resolvePluginConfig(
  topFile: string,
  options: { maxBytes?: number; layerFile?: string; presets?: PresetOptions } = {},
): Promise<ResolvedConfig> {
  const top = await readPluginConfigFile(topFile, { optional: true, maxBytes: options.maxBytes });
  const warnings = [...top.warnings];
  const files = [topFile];
  // Presets are the lowest level: defaults that includes, the file and the marketplace layer override.
  const { expandSelectedPresets } = await import('../presets/expand');
  const presets = await expandSelectedPresets(topFile, top, options.presets);
  files.push(...presets.files);
  const included: PluginEntry[] = [];
  for (const include of top.includes) {
    const file = await readPluginConfigFile(include.file, { maxBytes: options.maxBytes }).catch(error => {
      if (error instanceof InstallError && (error.code === 'CONFIG_NOT_A_FILE' || error.code === 'CONFIG_TOO_LARGE')) {
        throw new InstallError(`${formatLocation(include.location)}: included file ${error.message}`, error.code);
      }
      if (error instanceof InstallError && error.code === 'CONFIG_UNREADABLE') {
        throw new InstallError(
          `${formatLocation(include.location)}: included file ${include.file} cannot be read`,
          'CONFIG_UNREADABLE',
        );
      }
      throw error;
    });
    if (file.includes.length > 0) {
      warnings.push(`${file.file}: 'includes' inside an included file are ignored`);
    }
    if (file.presets.length > 0) warnings.push(`${file.file}: 'presets' inside an included file are ignored; list them in ${topFile}`);
    // The policy is the top-level file's alone: a file it includes (often a
    // vendor's default list) must not be able to loosen it.
    if (file.trust) warnings.push(`${file.file}: 'trust' in an included file is ignored; set it in ${topFile}`);
    // Like trust: which catalog a preset's plugins come from is the top-level file's choice.
    if (file.presetsCatalog) warnings.push(`${file.file}: 'presetsCatalog' in an included file is ignored; set it in ${topFile}`);
    warnings.push(...file.warnings);
    files.push(include.file);
    included.push(...file.plugins);
  }

  // The marketplace layer (level 2) overrides both; it has no includes of its own.
  const layerPlugins: PluginEntry[] = [];
  if (options.layerFile) {
    const layerFile = await readPluginConfigFile(options.layerFile, { maxBytes: options.maxBytes });
    if (layerFile.includes.length > 0) {
      warnings.push(`${layerFile.file}: 'includes' inside the marketplace layer are ignored`);
    }
    if (layerFile.presets.length > 0) warnings.push(`${layerFile.file}: 'presets' inside the marketplace layer are ignored`);
    if (layerFile.trust) warnings.push(`${layerFile.file}: 'trust' in the marketplace layer is ignored; set it in ${topFile}`);
    if (layerFile.presetsCatalog) warnings.push(`${layerFile.file}: 'presetsCatalog' in the marketplace layer is ignored; set it in ${topFile}`);
    warnings.push(...layerFile.warnings);
    files.push(options.layerFile);
    layerPlugins.push(...layerFile.plugins);
  }

  const byKey = new Map<string, ResolvedPlugin>();
  for (const level of [presets.entries, included, top.plugins, layerPlugins]) {
    const seen = new Map<string, PluginEntry>();
    for (const entry of level) {
      const spec = classifySpec(entry.package);
      const key = spec.key;
      const twin = seen.get(key);
      if (twin) {
        throw new InstallError(
          `Duplicate plugin configuration for ${key}: ${formatLocation(twin.location)} and ${formatLocation(entry.location)}`,
          'DUPLICATE_PLUGIN',
        );
      }
      seen.set(key, entry);
      byKey.set(key, layer(byKey.get(key), entry, spec, warnings));
    }
  }
  // Key files and the trusted root the policy read are inputs too: changing one re-verifies.
  files.push(...(top.trust?.files ?? []));
  return { plugins: [...byKey.values()], warnings, files, ...(top.trust ? { trust: top.trust } : {}), presets: presets.presets };
}

function layer(
  lower: ResolvedPlugin | undefined,
  entry: PluginEntry,
  spec: PluginSpec,
  warnings: string[],
): ResolvedPlugin {
  const defined = Object.fromEntries(
    Object.entries(entry).filter(([name, value]) => value !== undefined && name !== 'keyLocations'),
  ) as Partial<PluginEntry>;
  const key = spec.key;
  let pkg = entry.package;
  let effective = spec;
  if (inheritsVersion(spec)) {
    if (!lower || inheritsVersion(lower.spec)) {
      throw new InstallError(
        `${formatLocation(entry.location)}: ${pkg} uses ${INHERIT_TAG} but no included file configures ${key} with a version`,
        'NOTHING_TO_INHERIT',
      );
    }
    pkg = lower.package;
    effective = lower.spec;
  }
  const merged: PluginEntry = {
    ...(lower ?? {}),
    ...defined,
    package: pkg,
    keyLocations: { ...(lower?.keyLocations ?? {}), ...entry.keyLocations },
    location: entry.location,
  };
  if (entry.enabled !== undefined && entry.disabled !== undefined) {
    warnings.push(
      `${formatLocation(entry.location)}: both 'enabled' and 'disabled' are set for ${key}; 'enabled: ${merged.enabled}' wins`,
    );
  }
  return {
    ...merged,
    key,
    spec: effective,
    isEnabled: isEnabled(merged, entry),
    locations: [...(lower?.locations ?? []), entry.location],
  };
}

/**
 * `enabled` wins over `disabled` when both are given; a layer that sets only
 * one of them overrides whatever the lower layer said with the other.
 */
function isEnabled(merged: PluginEntry, entry: PluginEntry): boolean {
  if (entry.enabled !== undefined) return entry.enabled;
  if (entry.disabled !== undefined) return !entry.disabled;
  if (merged.enabled !== undefined) return merged.enabled;
  return merged.disabled !== true;
}
