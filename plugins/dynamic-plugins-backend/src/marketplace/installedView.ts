import {
  sourceLabel,
  type DynamicPluginStatus,
  type GenerationSummary,
  type InstallState,
  type ManagedPlugin,
  type PendingChange,
} from '@devportal/plugin-dynamic-plugins-common';
import type { LayeredPlugin } from './effective';

/**
 * The Installed view: every plugin of the base file and the layer, with what
 * the installer put in the root, what happened to it at start in this
 * process, whether a change to it is staged, and who changed it last.
 */
export function managedPlugins(input: {
  effective: LayeredPlugin[];
  state: InstallState | undefined;
  status: DynamicPluginStatus[];
  pending: PendingChange[];
  generations: GenerationSummary[];
}): ManagedPlugin[] {
  const statusByFolder = new Map(input.status.filter(s => s.folder).map(s => [s.folder!, s]));
  const pendingKeys = new Set(input.pending.map(c => c.key));
  return input.effective.map(plugin => {
    const record = input.state?.plugins[plugin.key];
    const status = record ? statusByFolder.get(record.folder) : undefined;
    const last = lastChange(plugin.key, input.generations);
    let state: string;
    let reason: string | undefined;
    if (pendingKeys.has(plugin.key)) {
      state = 'pending';
      reason = 'a staged change waits for Apply';
    } else if (!plugin.enabled) {
      state = 'disabled';
    } else if (status) {
      state = status.state;
      reason = status.reason;
    } else if (record) {
      // Installed after this process started: the next generation serves it.
      state = 'pending';
      reason = 'installed; serves after the restart';
    } else {
      state = 'pending';
      reason = 'not installed yet';
    }
    return {
      key: plugin.key,
      package: plugin.package,
      ...(record?.name ? { name: record.name } : {}),
      origin: plugin.inLayer ? 'marketplace' : 'yaml',
      locked: plugin.base?.locked ?? false,
      enabled: plugin.enabled,
      ...(record?.version ? { version: record.version } : {}),
      source: sourceLabel(record?.source ?? plugin.source),
      state,
      ...(reason ? { reason } : {}),
      ...(status?.initMs !== undefined ? { initMs: status.initMs } : {}),
      ...(plugin.pluginConfig ? { pluginConfig: plugin.pluginConfig } : {}),
      ...(last ? { changedBy: last.author, changedAt: last.finishedAt ?? last.createdAt } : {}),
      // From the installer state: the result for the bytes in the root.
      ...(record?.trust ? { trust: record.trust } : {}),
    };
  });
}

function lastChange(key: string, generations: GenerationSummary[]): GenerationSummary | undefined {
  // Newest first; a failed generation changed nothing.
  return generations.find(g => g.state !== 'failed' && g.state !== 'applying' && g.diff.some(line => line.key === key));
}
