import type { ExtensionManifest, LegacyManifest } from './extensionManifest';

/**
 * Where the backend lists and serves dynamic frontend plugins: the mount path
 * of `@backstage/backend-dynamic-feature-service`'s remotes server, whose
 * contract the app's loader speaks.
 */
export const REMOTES_MOUNT = '/.backstage/dynamic-features';
/** The list of enabled remotes, relative to the backend's base URL. */
export const REMOTES_LIST_PATH = `${REMOTES_MOUNT}/remotes`;

/** Where one remote's files are served, relative to the backend's base URL. */
export function remoteAssetsPath(packageName: string): string {
  return `${REMOTES_LIST_PATH}/${encodeURIComponent(packageName)}`;
}

/**
 * How the list names a remote's file: relative to the list's own URL
 * (`remotes/<package>/<file>`). The browser resolves it against wherever it
 * fetched the list from, so the portal works at any origin and path prefix it
 * is opened at (`http://127.0.0.1:7007` as well as `http://localhost:7007`,
 * or behind a proxy), which absolute URLs built from `backend.baseUrl` did not.
 */
export function remoteFileRef(packageName: string, file: string): string {
  const listName = REMOTES_LIST_PATH.slice(REMOTES_LIST_PATH.lastIndexOf('/') + 1);
  return `${listName}/${encodeURIComponent(packageName)}/${file.replace(/^\/+/, '')}`;
}

/**
 * The Cache-Control of a file served from a remote's folder. File names
 * inside a remote carry content hashes, so they are cached for good; the
 * entry and the manifests keep their names across versions, so they are
 * revalidated on every use. Both servers of a remote's files (the backend's
 * remotes router and the supervisor's front door) answer by this rule.
 */
export function remoteFileCacheControl(fileName: string): string {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1);
  const stable = base === 'remoteEntry.js' || base.endsWith('.json');
  return stable ? 'no-cache' : 'public, max-age=31536000, immutable';
}

/** The 404 message for a remote nobody serves; both servers of the remotes' files answer with it. */
export function unknownRemoteMessage(packageName: string): string {
  return `no dynamic frontend plugin ${packageName} is served`;
}

/** A listed remote with its file references made absolute against the URL the list came from. */
export function resolveRemoteRefs(remote: FrontendRemote, listUrl: string): FrontendRemote {
  const resolve = (ref: string) => new URL(ref, listUrl).href;
  return {
    ...remote,
    remoteInfo: { ...remote.remoteInfo, entry: resolve(remote.remoteInfo.entry) },
    ...(remote.scalprum ? { scalprum: { ...remote.scalprum, loadScripts: remote.scalprum.loadScripts.map(resolve) } } : {}),
  };
}

/**
 * One dynamic frontend plugin as the app's loader sees it: the contract of
 * backend-dynamic-feature-service's `/remotes` list, plus DevPortal's
 * additions.
 */
export interface FrontendRemote {
  packageName: string;
  remoteInfo: { name: string; entry: string };
  exposedModules: string[];
  /**
   * Versions of the shared dependencies it was built against, so the app can
   * refuse a remote built against another major of react or react-router.
   */
  shared?: Record<string, string>;
  /**
   * RHDH's format (`dist-scalprum/`, loaded by Scalprum in RHDH): a webpack
   * container registered through `__load_plugin_entry__` by these scripts.
   */
  scalprum?: { loadScripts: string[] };
  /**
   * The wiring the package ships in its `app-config.dynamic.yaml`
   * (`dynamicPlugins.frontend`), used by the app where the portal's config
   * has none for that plugin.
   */
  defaultWiring?: Record<string, unknown>;
  /**
   * What `devportal plugin export` wrote in its extension manifest
   * (`EXTENSION_MANIFEST`): a new-frontend-system plugin's extensions, or a
   * legacy plugin's API factories.
   */
  extensions?: ExtensionManifest | LegacyManifest;
}

/** Keeps the entries of a fetched remotes list that have the fields every loader needs. */
export function isFrontendRemote(value: unknown): value is FrontendRemote {
  const r = value as FrontendRemote | undefined;
  return (
    typeof r?.packageName === 'string' &&
    typeof r?.remoteInfo?.name === 'string' &&
    typeof r?.remoteInfo?.entry === 'string' &&
    Array.isArray(r?.exposedModules)
  );
}
