/**
 * Dynamic plugins that could not be loaded in this page, for the error
 * panel. Filled by the loader before the app renders; read by the layout.
 */
export interface PluginFailure {
  packageName: string;
  message: string;
}

const failures: PluginFailure[] = [];

export function recordFailure(failure: PluginFailure) {
  failures.push(failure);
  // eslint-disable-next-line no-console
  console.error(`Dynamic plugin ${failure.packageName}: ${failure.message}`);
}

export function pluginFailures(): readonly PluginFailure[] {
  return failures;
}
