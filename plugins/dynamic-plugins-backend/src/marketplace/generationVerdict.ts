import type { BackendToSupervisor, DynamicPluginStatus } from '@devportal/plugin-dynamic-plugins-common';
import type { DesiredStateStore } from '@devportal/plugin-dynamic-plugins-node';

/**
 * Whether a backend that just started may take over: not when a dynamic
 * plugin its generation added or changed failed to start. A plugin that
 * throws at init is isolated (the portal starts without it), which is right
 * at a restart but wrong for an apply: the previous generation, where that
 * change was not made, keeps serving instead, and the admin sees why.
 * Plugins that failed before and were not touched do not count.
 */
export async function generationVerdict(
  store: DesiredStateStore,
  generation: number | null,
  statuses: DynamicPluginStatus[],
): Promise<Extract<BackendToSupervisor, { type: 'devportal:generation-verdict' }>> {
  const id = generation ?? 0;
  const stored = generation === null ? undefined : await store.getGeneration(generation).catch(() => undefined);
  const touched = (stored?.diff ?? []).filter(line => line.change !== 'removed' && line.change !== 'disabled');
  const failed = statuses.filter(
    status =>
      status.state === 'failed' &&
      touched.some(line => [line.key, line.to ?? ''].some(text => text === status.package || text.includes(`${status.package}@`) || text.endsWith(`/${folderName(status.package)}`))),
  );
  if (failed.length === 0) return { type: 'devportal:generation-verdict', generation: id, healthy: true };
  const reason = failed.map(status => `plugin ${status.package} failed to start: ${status.reason ?? 'no reason given'}`).join('; ');
  return { type: 'devportal:generation-verdict', generation: id, healthy: false, reason };
}

/** How a package's folder is named in a local path entry (`./dynamic-plugins-root/<name>`). */
function folderName(pkg: string): string {
  return pkg.replace(/^@/, '').replace(/\//g, '-');
}
