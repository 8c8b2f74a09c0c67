import type { GenerationDiffLine, LayerEntry, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import type { KeyedLayerEntry } from './store';

/** What the base file (dynamic-plugins.yaml) says about a plugin a change names. */
export interface BaseEntryInfo {
  package: string;
  locked: boolean;
}

/**
 * Applies one staged change to the marketplace layer. The layer only ever
 * overrides: a plugin of the base file is disabled rather than removed
 * (the base stays the GitOps source), one added by the marketplace is removed.
 */
export function applyChange(
  layer: KeyedLayerEntry[],
  change: Pick<PendingChange, 'key' | 'action' | 'package' | 'integrity' | 'pluginConfig'>,
  base: BaseEntryInfo | undefined,
): KeyedLayerEntry[] {
  const index = layer.findIndex(entry => entry.key === change.key);
  const current = index >= 0 ? layer[index] : undefined;
  const next = [...layer];
  const put = (entry: KeyedLayerEntry) => (index >= 0 ? next.splice(index, 1, entry) : next.push(entry));
  const known = current ?? (base ? { key: change.key, package: base.package } : undefined);
  switch (change.action) {
    case 'install':
      put(withoutUndefined({
        key: change.key,
        package: change.package,
        integrity: change.integrity,
        pluginConfig: change.pluginConfig ?? current?.pluginConfig,
        disabled: false,
      }));
      break;
    case 'configure':
      if (!known) throw new Error(`${change.key} is not installed`);
      put({ ...known, pluginConfig: change.pluginConfig ?? {} });
      break;
    case 'enable':
    case 'disable':
      if (!known) throw new Error(`${change.key} is not installed`);
      put({ ...known, disabled: change.action === 'disable' });
      break;
    case 'uninstall':
      if (base) put({ key: change.key, package: base.package, disabled: true });
      else if (index >= 0) next.splice(index, 1);
      break;
    default:
      throw new Error(`unknown change ${String((change as { action: unknown }).action)}`);
  }
  return next;
}

/** A plugin as the effective list has it, for diffs. */
export interface EffectivePlugin {
  key: string;
  package: string;
  enabled: boolean;
  pluginConfig?: Record<string, unknown>;
}

/** What changed between two effective plugin lists, one line per plugin and aspect. */
export function diffEffective(before: EffectivePlugin[], after: EffectivePlugin[]): GenerationDiffLine[] {
  const lines: GenerationDiffLine[] = [];
  const old = new Map(before.map(p => [p.key, p]));
  const now = new Map(after.map(p => [p.key, p]));
  for (const [key, plugin] of now) {
    const was = old.get(key);
    if (!was) {
      lines.push({ key, change: 'added', to: plugin.package });
      if (!plugin.enabled) lines.push({ key, change: 'disabled' });
      continue;
    }
    if (was.package !== plugin.package) lines.push({ key, change: 'version', from: was.package, to: plugin.package });
    if (was.enabled !== plugin.enabled) lines.push({ key, change: plugin.enabled ? 'enabled' : 'disabled' });
    if (stableJson(was.pluginConfig) !== stableJson(plugin.pluginConfig)) {
      lines.push({ key, change: 'config' });
    }
  }
  for (const [key, plugin] of old) {
    if (!now.has(key)) lines.push({ key, change: 'removed', from: plugin.package });
  }
  return lines;
}

/** The layer as the installer reads it: a dynamic-plugins.yaml `plugins:` list. */
export function layerDocument(layer: KeyedLayerEntry[]): { plugins: LayerEntry[] } {
  return { plugins: layer.map(({ key: _key, ...entry }) => withoutUndefined(entry)) };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** JSON with sorted keys, so key order never counts as a config change. */
function stableJson(value: unknown): string {
  return JSON.stringify(value ?? null, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.keys(v).sort().map(k => [k, v[k]]))
      : v,
  );
}
