import { isDeepStrictEqual } from 'node:util';
import { isFrontendRole } from '@devportal/plugin-dynamic-plugins-common';
import { readInstallState, type KeyedLayerEntry } from '@devportal/plugin-dynamic-plugins-node';
import type { ResolvedConfig } from '@devportal/plugin-installer';
import { installedRole } from './backendSnapshot';

export interface FrontendOnlyInput {
  /** The plugins root as it is before the install. */
  root: string;
  before: KeyedLayerEntry[];
  after: KeyedLayerEntry[];
  /** The base file as the apply resolved it. */
  base: ResolvedConfig;
  /** `backstage.role` of the packages the staged changes install, read when they were staged. */
  stagedRoles: ReadonlyMap<string, string>;
}

/**
 * Whether going from layer `before` to `after` surely leaves the backend as
 * it is, told before anything is installed: every plugin whose entry
 * changes is a frontend plugin (the role of its installed folder, or the
 * role read when its install was staged) and has no `pluginConfig` (the
 * merged app-config is injected into the page when a backend starts, so a
 * config change needs a new one).
 *
 * It decides only whether a backend is started ahead of the install (a held
 * backend competes with the install for CPU, so a frontend-only apply is
 * slower with one). What serves is decided after the install, from the root
 * (`backendSnapshot`). So an unknown role counts as backend: a wrong "no"
 * costs a held backend that is stopped unused, a wrong "yes" costs the
 * backend change a cold start instead of a held one.
 */
export function changesFrontendOnly(input: FrontendOnlyInput): boolean {
  const before = new Map(input.before.map(entry => [entry.key, entry]));
  const after = new Map(input.after.map(entry => [entry.key, entry]));
  const changed = [...new Set([...before.keys(), ...after.keys()])].filter(key => !isDeepStrictEqual(before.get(key), after.get(key)));
  if (changed.length === 0) return false;
  const baseByKey = new Map(input.base.plugins.map(plugin => [plugin.key, plugin]));
  const installed = readInstallState(input.root)?.plugins ?? {};
  return changed.every(key => {
    const configs = [before.get(key)?.pluginConfig, after.get(key)?.pluginConfig, baseByKey.get(key)?.pluginConfig];
    if (configs.some(config => config !== undefined && config !== null && Object.keys(config).length > 0)) return false;
    const folder = installed[key]?.folder;
    return isFrontendRole(input.stagedRoles.get(key) ?? (folder ? installedRole(input.root, folder) : undefined));
  });
}
