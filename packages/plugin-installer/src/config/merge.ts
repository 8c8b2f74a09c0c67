import { isDeepStrictEqual } from 'node:util';
import { InstallError } from '../errors';
import type { ResolvedPlugin } from './layers';
import { checkReservedKey } from './reservedKeys';

type ConfigObject = Record<string, unknown>;

const isObject = (value: unknown): value is ConfigObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Deep-merges the `pluginConfig` of every enabled plugin into one app-config.
 * The same key set to two different values by two plugins is an error naming
 * the dotted key and both plugins; the same value twice is fine. Lists are
 * values, not merged element by element. Keys reserved for the portal's own
 * config (reservedKeys.ts) are refused unless `allowedReservedKeys` covers them.
 */
export function mergePluginConfigs(
  plugins: ResolvedPlugin[],
  options: { allowedReservedKeys?: readonly string[]; log?: (message: string) => void } = {},
): ConfigObject {
  const reserved = { allowed: options.allowedReservedKeys ?? [], log: options.log };
  // Null-prototype objects and own keys only: whatever key a config holds
  // (`__proto__` is refused by the parser too), merging never reaches
  // Object.prototype.
  const merged: ConfigObject = Object.create(null);
  const owners = new Map<string, string>();
  for (const plugin of plugins) {
    if (!plugin.isEnabled || !plugin.pluginConfig) continue;
    mergeInto(merged, plugin.pluginConfig, [], plugin.key, owners, reserved);
  }
  return merged;
}

function mergeInto(
  target: ConfigObject,
  source: ConfigObject,
  keyPath: string[],
  plugin: string,
  owners: Map<string, string>,
  reserved: Parameters<typeof checkReservedKey>[2],
) {
  for (const [key, value] of Object.entries(source)) {
    const path = [...keyPath, key];
    const dotted = path.join('.');
    // Leaves only: a parent object ('auth') is judged by what it sets below it.
    if (!isObject(value)) checkReservedKey(dotted, plugin, reserved);
    const existing = Object.hasOwn(target, key) ? target[key] : undefined;
    if (existing === undefined) {
      const copy = isObject(value) ? mergeInto(Object.create(null), value, path, plugin, owners, reserved) : value;
      Object.defineProperty(target, key, { value: copy, enumerable: true, writable: true, configurable: true });
      recordOwners(target[key], dotted, plugin, owners);
    } else if (isObject(existing) && isObject(value)) {
      mergeInto(existing, value, path, plugin, owners, reserved);
    } else if (!isDeepStrictEqual(existing, value)) {
      const other = firstOwner(dotted, owners);
      throw new InstallError(
        `Config key '${dotted}' defined differently for 2 dynamic plugins: ${other} and ${plugin}`,
        'CONFIG_CONFLICT',
      );
    }
  }
  return target;
}

function recordOwners(value: unknown, dotted: string, plugin: string, owners: Map<string, string>) {
  owners.set(dotted, plugin);
  if (isObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      recordOwners(child, `${dotted}.${key}`, plugin, owners);
    }
  }
}

/** The plugin that set the key, or the closest parent key it set. */
function firstOwner(dotted: string, owners: Map<string, string>): string {
  for (let path = dotted; path; path = path.slice(0, Math.max(0, path.lastIndexOf('.')))) {
    const owner = owners.get(path);
    if (owner) return owner;
  }
  return 'another plugin';
}
