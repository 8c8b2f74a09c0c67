import type { BackendFeature } from '@backstage/backend-plugin-api';

export function isBackendFeature(value: unknown): value is BackendFeature {
  return !!value && typeof value === 'object' && (value as { $$type?: string }).$$type === '@backstage/BackendFeature';
}

/** Thrown when a package's module exports nothing a backend can add. */
export class NotABackendFeatureError extends Error {
  constructor() {
    super('the package does not export a BackendFeature as default export');
    this.name = 'NotABackendFeatureError';
  }
}

/**
 * The features a backend plugin package's module exports, in the order a
 * backend would take them:
 *
 * 1. RHDH's `dynamicPluginInstaller` of kind `new` (its `install()` gives one
 *    feature or a list), on the module or on its default export;
 * 2. a BackendFeature as the default export;
 * 3. the module itself, when it is a BackendFeature (a CommonJS
 *    `module.exports = feature`).
 */
export function featuresOf(mod: unknown): BackendFeature[] {
  const m = mod as { dynamicPluginInstaller?: Installer; default?: unknown } | undefined;
  const installer = m?.dynamicPluginInstaller ?? (m?.default as { dynamicPluginInstaller?: Installer } | undefined)?.dynamicPluginInstaller;
  if (installer?.kind === 'new' && typeof installer.install === 'function') {
    const installed = installer.install();
    const list = Array.isArray(installed) ? installed : [installed];
    if (!list.every(isBackendFeature)) throw new NotABackendFeatureError();
    return list;
  }
  if (isBackendFeature(m?.default)) return [m!.default];
  if (isBackendFeature(mod)) return [mod];
  throw new NotABackendFeatureError();
}

interface Installer {
  kind?: string;
  install?: () => BackendFeature | BackendFeature[];
}
