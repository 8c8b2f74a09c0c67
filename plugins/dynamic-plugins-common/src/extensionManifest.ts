/**
 * Where an exported frontend plugin keeps the description of its extensions,
 * relative to the plugin's folder. `devportal plugin export` writes it; the
 * backend passes it on in the remotes list; the app builds stand-ins from it.
 */
export const EXTENSION_MANIFEST = 'dist/devportal-extensions.json';

/** What an extension manifest says of an API factory: the ids of its API and dependencies. */
export interface DescribedApiFactory {
  api: string;
  deps: Record<string, string>;
}

/**
 * A new-frontend-system plugin's extensions: their ids, attachments, inputs
 * and declared outputs, and the outputs their factories give with default
 * config, encoded: `$element` for the React element (rendered from the real
 * code), `$html` / `$component` for icons as static markup, `$routeRef` /
 * `$externalRouteRef` as keys, `$apiFactory` as API and dependency ids.
 */
export interface ExtensionManifest {
  version: 1;
  /** The exposed module it describes, e.g. `./alpha`. */
  module: string;
  /** What the module's default export is (manifests without it describe plugins). */
  feature?: 'plugin' | 'module';
  pluginId: string;
  title?: string;
  icon?: unknown;
  if?: unknown;
  routes: Record<string, { params: string[] }>;
  externalRoutes: Record<string, { params: string[]; optional?: boolean; defaultTarget?: string }>;
  routeRefs: Record<string, { params: string[] }>;
  featureFlags: { name: string }[];
  extensions: ManifestExtension[];
}

/** What the export writes for a legacy plugin that exports API factories. */
export interface LegacyManifest {
  version: 1;
  module: string;
  feature: 'legacy';
  /** By export name. */
  apiFactories: Record<string, DescribedApiFactory>;
}

export interface DataRefSpec {
  id: string;
  optional: boolean;
}

export interface ManifestExtension {
  id: string;
  kind?: string;
  name?: string;
  attachTo: { id: string; input: string } | { id: string; input: string }[];
  disabled: boolean;
  if?: unknown;
  inputs: Record<string, { data: DataRefSpec[]; singleton: boolean; optional: boolean; internal: boolean }>;
  output: DataRefSpec[];
  configurable: boolean;
  /** Config keys that change an output other than the element: applying them needs the real code at boot. */
  configAffects?: string[];
  values: { id: string; value: unknown }[];
}

/**
 * Checks a parsed manifest file: version 1, and describing either extensions
 * or API factories. Anything else is ignored, and the app then loads the
 * plugin's definitions at boot.
 */
export function isExtensionManifest(value: unknown): value is ExtensionManifest | LegacyManifest {
  const m = value as { version?: unknown; extensions?: unknown; apiFactories?: unknown } | undefined;
  if (m?.version !== 1) return false;
  return Array.isArray(m.extensions) || (!!m.apiFactories && typeof m.apiFactories === 'object');
}
