import { createServiceRef } from '@backstage/backend-plugin-api';
import type { DynamicPluginStatus, InstalledPlugin } from '@devportal/plugin-dynamic-plugins-common';

/**
 * What other backend plugins may know of the dynamic plugins: what is
 * installed and what happened to each at start. Provided by
 * `@devportal/plugin-dynamic-plugins-backend`'s loader.
 */
export interface DynamicPluginsService {
  /** The absolute dynamic plugins root, if one is configured. */
  rootDirectory(): string | undefined;
  /** What the installer says the root holds now (read anew at each call). */
  listInstalled(): Promise<InstalledPlugin[]>;
  /** Every dynamic plugin and its state in this backend process. */
  status(): DynamicPluginStatus[];
}

export const dynamicPluginsServiceRef = createServiceRef<DynamicPluginsService>({
  id: 'devportal.dynamic-plugins',
  scope: 'root',
});
