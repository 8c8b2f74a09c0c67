import { InstallError } from '../errors';

/**
 * Config a plugin's `pluginConfig` may not set. The generated
 * `app-config.dynamic-plugins.yaml` is loaded after the portal's own files
 * (`app-config.production.yaml` included), so a plugin entry could otherwise
 * turn guest sign-in back on, change the backend's listener, secrets or
 * database, the permission policy or the list of admins.
 *
 * `dynamicPlugins.frontend` (RHDH's wiring) stays open: it is what
 * `pluginConfig` is mostly for.
 */
export const RESERVED_PLUGIN_CONFIG_KEYS = [
  'backend',
  'auth',
  'permission',
  'devportal',
  'app.baseUrl',
  'dynamicPlugins.rootDirectory',
  'dynamicPlugins.backend',
] as const;

const covers = (prefix: string, dotted: string) => dotted === prefix || dotted.startsWith(`${prefix}.`);

/**
 * Checks one key a plugin's config sets. Refused unless an allow-list entry
 * (`--allow-plugin-config-key`) covers it; an allowed one is logged, so the
 * exception shows in every install's output.
 */
export function checkReservedKey(
  dotted: string,
  plugin: string,
  options: { allowed: readonly string[]; log?: (message: string) => void },
): void {
  const reserved = RESERVED_PLUGIN_CONFIG_KEYS.find(prefix => covers(prefix, dotted));
  if (!reserved) return;
  if (options.allowed.some(entry => covers(entry, dotted))) {
    options.log?.(`${plugin}: pluginConfig sets '${dotted}', reserved for the portal's own config; allowed by --allow-plugin-config-key`);
    return;
  }
  throw new InstallError(
    `${plugin}: pluginConfig may not set '${dotted}' (the portal's own ${reserved} config); ` +
      `set it in app-config, or allow it with --allow-plugin-config-key ${dotted}`,
    'RESERVED_CONFIG_KEY',
  );
}
