/** The backend plugin id of the dynamic plugins API: routes live under `/api/dynamic-plugins`. */
export const DYNAMIC_PLUGINS_PLUGIN_ID = 'dynamic-plugins';

/**
 * The admin API's routes, relative to the plugin's base URL
 * (`/api/dynamic-plugins`). Documented in docs/plugins/api.md.
 */
export const DYNAMIC_PLUGINS_ROUTES = {
  /** Every dynamic plugin and what happened to it at start. */
  status: '/status',
  /** What the installer says the root holds, with each package's role and version. */
  installed: '/installed',
} as const;

/** One enabled plugin installed in the dynamic plugins root, as the admin API lists it. */
export interface InstalledPlugin {
  /** The folder name inside the root. */
  folder: string;
  name: string;
  version: string;
  /** The Backstage role from package.json, such as `backend-plugin`. */
  role?: string;
  /** Where the installer got it: `local` (bundled), `npm` or `oci`. */
  source: string;
}
