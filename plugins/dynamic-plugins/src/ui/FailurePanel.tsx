import { Alert } from '@backstage/ui';
import { pluginFailures } from './failures';

/** Names every dynamic plugin that failed to load in this page, and why. */
export function FailurePanel() {
  const failures = pluginFailures();
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
