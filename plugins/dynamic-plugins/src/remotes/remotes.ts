import type { ExtensionManifest, LegacyManifest } from './lazyPlugin';

/**
 * The list of dynamic frontend plugins the backend serves, in the contract of
 * `@backstage/backend-dynamic-feature-service`'s remotes server
 * (`GET /.backstage/dynamic-features/remotes`), plus DevPortal's additions
 * (`shared`, the singleton versions a remote was built against).
 */
export interface FrontendRemote {
  packageName: string;
  remoteInfo: { name: string; entry: string };
  exposedModules: string[];
  /** Versions of shared dependencies the remote was built against. */
  shared?: Record<string, string>;
  /** RHDH's `dist-scalprum` format: scripts registering a webpack container. */
  scalprum?: { loadScripts: string[] };
  /** `dynamicPlugins.frontend` from the package's own app-config.dynamic.yaml. */
  defaultWiring?: Record<string, unknown>;
  /** The extension manifest `devportal plugin export` wrote (for a legacy plugin: its API factories). */
  extensions?: ExtensionManifest | LegacyManifest;
}

export const REMOTES_PATH = '/.backstage/dynamic-features/remotes';

export async function fetchRemotes(backendBaseUrl: string, fetchImpl: typeof fetch = fetch): Promise<FrontendRemote[]> {
  const response = await fetchImpl(`${backendBaseUrl.replace(/\/$/, '')}${REMOTES_PATH}`);
  if (!response.ok) {
    throw new Error(`listing dynamic frontend plugins failed: HTTP ${response.status}`);
  }
  const body = await response.json();
  if (!Array.isArray(body)) throw new Error('listing dynamic frontend plugins failed: not a list');
  return body.filter(
    (r): r is FrontendRemote =>
      typeof r?.packageName === 'string' &&
      typeof r?.remoteInfo?.name === 'string' &&
      typeof r?.remoteInfo?.entry === 'string' &&
      Array.isArray(r?.exposedModules),
  );
}

/**
 * Singletons (react, react-router, …) exist once in the page. A remote built
 * against another major version of one would break at render in ways that
 * name nothing; refuse it up front with a message instead.
 */
export function incompatibleSingletons(
  remote: FrontendRemote,
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
