import { createApiRef } from '@backstage/frontend-plugin-api';
import type { FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';
import { fetchRemotes } from '../remotes/remotes';

/**
 * The app's view of its dynamic frontend plugins: what it loaded at start,
 * and what the backend lists now. A live apply compares the two; nothing
 * here keeps the list of a previous fetch as the current one.
 */
export interface DynamicPluginsApi {
  /** The remotes this app's features were built from. */
  loadedRemotes(): readonly FrontendRemote[];
  /** Asks the backend again which frontend plugins are enabled. Loads nothing. */
  listRemotes(): Promise<FrontendRemote[]>;
}

export const dynamicPluginsApiRef = createApiRef<DynamicPluginsApi>().with({
  id: 'plugin.dynamic-plugins.remotes',
  pluginId: 'dynamic-plugins',
});

export class DynamicPluginsClient implements DynamicPluginsApi {
  private loaded: readonly FrontendRemote[] = [];

  constructor(private readonly options: { backendBaseUrl: string; fetch?: typeof fetch }) {}

  listRemotes(): Promise<FrontendRemote[]> {
    return fetchRemotes(this.options.backendBaseUrl, this.options.fetch);
  }

  loadedRemotes(): readonly FrontendRemote[] {
    return this.loaded;
  }

  /** Called by the loader with the remotes it built the app's features from. */
  setLoaded(remotes: readonly FrontendRemote[]) {
    this.loaded = remotes;
  }
}
