import { useApiHolder } from '@backstage/frontend-plugin-api';
import { Alert } from '@backstage/ui';
import { useCallback, useSyncExternalStore } from 'react';
import { pluginFailuresApiRef, type PluginFailure, type PluginFailuresApi } from '../apis/failures';

const NONE: readonly PluginFailure[] = [];
const noFailures: PluginFailuresApi = { record: () => {}, list: () => NONE, subscribe: () => () => {} };

/**
 * Names every dynamic plugin that failed to load in this app, and why;
 * updates when wiring applied on first render (route bindings, form fields)
 * reports more. Renders nothing in an app without the loader.
 */
export function FailurePanel() {
  const api = useApiHolder().get(pluginFailuresApiRef) ?? noFailures;
  const subscribe = useCallback((listener: () => void) => api.subscribe(listener), [api]);
  const list = useCallback(() => api.list(), [api]);
  const failures = useSyncExternalStore(subscribe, list);
  if (failures.length === 0) return null;
  return (
    <Alert
      status="danger"
      data-testid="dynamic-plugin-failures"
      title={failures.length === 1 ? 'A dynamic plugin failed to load' : `${failures.length} dynamic plugins failed to load`}
      description={
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {failures.map((f, i) => (
            <li key={i}>
              <strong>{f.packageName}</strong>: {f.message}
            </li>
          ))}
        </ul>
      }
    />
  );
}
