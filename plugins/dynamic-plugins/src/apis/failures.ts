import { createApiRef } from '@backstage/frontend-plugin-api';

/** A dynamic plugin that could not be loaded, or part of whose wiring was ignored. */
export interface PluginFailure {
  packageName: string;
  message: string;
}

/**
 * What went wrong with dynamic plugins in this app, for the error panel.
 * The loader fills it before the app renders; wiring that is applied on
 * first render (route bindings, scaffolder fields) may add to it later, so
 * readers subscribe.
 */
export interface PluginFailuresApi {
  record(failure: PluginFailure): void;
  /** The same array until something is recorded (a snapshot for `useSyncExternalStore`). */
  list(): readonly PluginFailure[];
  /** Calls `listener` after each `record`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
}

export const pluginFailuresApiRef = createApiRef<PluginFailuresApi>().with({
  id: 'plugin.dynamic-plugins.failures',
  pluginId: 'dynamic-plugins',
});

/** One app's failures. Each load of the loader makes its own, so two apps never mix theirs. */
export class PluginFailures implements PluginFailuresApi {
  private failures: readonly PluginFailure[] = [];
  private readonly listeners = new Set<() => void>();

  record(failure: PluginFailure) {
    this.failures = [...this.failures, failure];
    // eslint-disable-next-line no-console
    console.error(`Dynamic plugin ${failure.packageName}: ${failure.message}`);
    this.listeners.forEach(listener => listener());
  }

  list(): readonly PluginFailure[] {
    return this.failures;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
