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
  /** The Installed view: every plugin from the YAML and the marketplace layer, with state and last change. */
  plugins: '/plugins',
  /** The catalog: entries from every configured source, with their compatibility. */
  catalog: '/catalog',
  /** One catalog entry (`:id`), with its README. */
  catalogEntry: '/catalog/:id',
  /** Staged changes: GET lists them, POST stages one, DELETE `/changes/:id` drops one. */
  changes: '/changes',
  change: '/changes/:id',
  /** Applies the staged changes as a new generation; answers its id (202). */
  apply: '/apply',
  /** Every generation, newest first. */
  generations: '/generations',
  generation: '/generations/:id',
  /** Stages and applies a new generation equal to `:id`. */
  rollback: '/generations/:id/rollback',
  /** An installed plugin's config schema (`?key=`): `{ schemas: JSON Schema[] }`, for the Configure form. */
  pluginSchema: '/plugin-schema',
  /** The effective dynamic-plugins.yaml (base + marketplace layer), ready to commit. */
  effective: '/effective',
  /** Each replica (portal process) with the generation it serves, its state and last error. */
  replicas: '/replicas',
} as const;

/** A route with its `:id` filled in. */
export function routeWithId(route: string, id: string | number): string {
  return route.replace(':id', encodeURIComponent(String(id)));
}

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
