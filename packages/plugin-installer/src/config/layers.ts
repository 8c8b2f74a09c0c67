import { InstallError } from '../errors';
import {
  formatLocation,
  readPluginConfigFile,
  type PluginEntry,
  type SourceLocation,
} from './parse';

const INHERIT = '{{inherit}}';

/** A plugin after layering: the effective entry and where it came from. */
export interface ResolvedPlugin extends PluginEntry {
  /** Identity across layers: the package without its version (RHDH's rule). */
  key: string;
  /** Whether it is to be installed: `enabled` wins over `disabled`. */
  isEnabled: boolean;
  /** Every entry that contributed, lowest layer first. */
  locations: SourceLocation[];
}

export interface ResolvedConfig {
  plugins: ResolvedPlugin[];
  warnings: string[];
  /** Every file read, for change detection. */
  files: string[];
}

/**
 * Reads the top-level file and its `includes`, then layers them: entries of
 * included files (level 0) are overridden by the including file (level 1) key
 * by key; `pluginConfig` is replaced whole. The same plugin twice within one
 * level is an error naming both places.
 */
export async function resolvePluginConfig(topFile: string): Promise<ResolvedConfig> {
  const top = await readPluginConfigFile(topFile, { optional: true });
  const warnings = [...top.warnings];
  const files = [topFile];
  const included: PluginEntry[] = [];
  for (const include of top.includes) {
    const file = await readPluginConfigFile(include.file).catch(error => {
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
    warnings.push(...file.warnings);
    files.push(include.file);
    included.push(...file.plugins);
  }

  const byKey = new Map<string, ResolvedPlugin>();
  for (const level of [included, top.plugins]) {
    const seen = new Map<string, PluginEntry>();
    for (const entry of level) {
      const key = pluginKey(entry.package);
      const twin = seen.get(key);
      if (twin) {
        throw new InstallError(
          `Duplicate plugin configuration for ${key}: ${formatLocation(twin.location)} and ${formatLocation(entry.location)}`,
          'DUPLICATE_PLUGIN',
        );
      }
      seen.set(key, entry);
      byKey.set(key, layer(byKey.get(key), entry, key, warnings));
    }
  }
  return { plugins: [...byKey.values()], warnings, files };
}

function layer(
  lower: ResolvedPlugin | undefined,
  entry: PluginEntry,
  key: string,
  warnings: string[],
): ResolvedPlugin {
  const defined = Object.fromEntries(
    Object.entries(entry).filter(([name, value]) => value !== undefined && name !== 'keyLocations'),
  ) as Partial<PluginEntry>;
  let pkg = entry.package;
  if (pkg.includes(INHERIT)) {
    if (!lower || lower.package.includes(INHERIT)) {
      throw new InstallError(
        `${formatLocation(entry.location)}: ${pkg} uses ${INHERIT} but no included file configures ${key} with a version`,
        'NOTHING_TO_INHERIT',
      );
    }
    pkg = lower.package;
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

/**
 * The identity of a plugin across layers, following RHDH: an npm spec without
 * its version (`@scope/name@1.2.3` → `@scope/name`, `alias@npm:pkg@1` →
 * `alias@npm:pkg`), an OCI image without tag or digest plus its `!plugin-dir`,
 * local paths and tarball URLs as written.
 */
export function pluginKey(spec: string): string {
  const trimmed = spec.trim();
  if (trimmed.startsWith('oci://')) {
    const [image, pluginDir = ''] = trimmed.slice('oci://'.length).split('!');
    const withoutDigest = image.split('@')[0];
    const lastSlash = withoutDigest.lastIndexOf('/');
    const tagColon = withoutDigest.indexOf(':', lastSlash + 1);
    const repository = tagColon >= 0 ? withoutDigest.slice(0, tagColon) : withoutDigest;
    return `oci://${repository}!${pluginDir}`;
  }
  if (isLocalPath(trimmed) || /^(https?|file):/.test(trimmed) || trimmed.endsWith('.tgz') || trimmed.endsWith('.tar.gz')) {
    return trimmed;
  }
  const aliasAt = trimmed.indexOf('@npm:');
  if (aliasAt > 0) {
    return `${trimmed.slice(0, aliasAt)}@npm:${npmName(trimmed.slice(aliasAt + '@npm:'.length))}`;
  }
  if (trimmed.startsWith('git') || trimmed.includes('#')) {
    return trimmed.split('#')[0];
  }
  return npmName(trimmed);
}

/** `@scope/name@range` → `@scope/name`; `name@tag` → `name`. */
function npmName(spec: string): string {
  const versionAt = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return versionAt > 0 ? spec.slice(0, versionAt) : spec;
}

export function isLocalPath(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec === '.';
}
