import { isFrontendRemote, REMOTES_LIST_PATH, resolveRemoteRefs, type FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';

/**
 * The dynamic frontend plugins the backend serves now (enabled ones only),
 * in the contract of `backend-dynamic-feature-service`'s remotes server plus
 * DevPortal's additions. Asks every time: a later live apply learns of
 * changes by calling it again. Entries without the fields a loader needs are
 * dropped. File references are made absolute against the list's URL (the
 * backend lists them relative, so they load from the origin the page uses).
 */
export async function fetchRemotes(backendBaseUrl: string, fetchImpl: typeof fetch = fetch): Promise<FrontendRemote[]> {
  const listUrl = new URL(`${backendBaseUrl.replace(/\/$/, '')}${REMOTES_LIST_PATH}`, window.location.href).href;
  const response = await fetchImpl(listUrl);
  if (!response.ok) {
    throw new Error(`listing dynamic frontend plugins failed: HTTP ${response.status}`);
  }
  const body = await response.json();
  if (!Array.isArray(body)) throw new Error('listing dynamic frontend plugins failed: not a list');
  return body.filter(isFrontendRemote).map(remote => resolveRemoteRefs(remote, listUrl));
}

/**
 * Singletons (react, react-router, …) exist once in the page. A remote built
 * against another major version of one would break at render in ways that
 * name nothing; refuse it up front with a message instead.
 */
export function incompatibleSingletons(
  remote: Pick<FrontendRemote, 'shared'>,
  host: Record<string, { version: string; shareConfig: { singleton?: boolean } }>,
): string[] {
  const problems: string[] = [];
  for (const [name, built] of Object.entries(remote.shared ?? {})) {
    const provided = host[name];
    if (!provided?.shareConfig.singleton) continue;
    const [builtMajor, builtMinor] = majorMinor(built);
    const [hostMajor, hostMinor] = majorMinor(provided.version);
    // Caret compatibility: same major; for 0.x, same minor.
    if (builtMajor === undefined || hostMajor === undefined) continue;
    if (builtMajor !== hostMajor || (builtMajor === 0 && builtMinor !== hostMinor)) {
      problems.push(`${name} ${built} (the app has ${provided.version})`);
    }
  }
  return problems;
}

function majorMinor(version: string): [number | undefined, number | undefined] {
  const match = /^\D*(\d+)(?:\.(\d+))?/.exec(version);
  return match ? [Number(match[1]), match[2] === undefined ? undefined : Number(match[2])] : [undefined, undefined];
}

/** `./alpha` → `name/alpha`, `.` → `name`: the module federation request for an exposed module. */
export function remoteRequest(remoteName: string, exposed: string): string {
  const sub = exposed.replace(/^\.\/?/, '');
  return sub ? `${remoteName}/${sub}` : remoteName;
}

/**
 * The exposed module a wiring `module` names. RHDH's names are its Scalprum
 * build's (`PluginRoot`, `Alpha`, `Legacy`, from the package's
 * `scalprum.exposedModules`), which stand for the package's entry points:
 * `PluginRoot` is `.`, the others its subpath exports (`Legacy` →
 * `./legacy`). A module the remote does not expose falls back to `.`, where
 * many packages also export what their other entry points do.
 */
export function exposedModuleOf(remote: Pick<FrontendRemote, 'exposedModules'>, module: string): string {
  const subpath = `./${module.charAt(0).toLowerCase()}${module.slice(1)}`;
  return [module, `./${module}`, subpath].find(m => remote.exposedModules.includes(m)) ?? '.';
}

/**
 * Why an export was looked for in `.` instead of the module the wiring names:
 * added to "has no export" so the reason says that this build lacks the
 * module (for RHDH's `Legacy`, a package exported for DevPortal exposes only
 * the entry points whose default export is a frontend feature), rather than
 * that the module lacks the export.
 */
export function unexposedModuleNote(remote: Pick<FrontendRemote, 'exposedModules'>, module: string): string | undefined {
  if (module === 'PluginRoot' || exposedModuleOf(remote, module) !== '.' || module === '.' || module === './') return undefined;
  return `this build exposes no module ${module} (it exposes ${remote.exposedModules.join(', ')}), so it was looked for in .`;
}
