import { Alert, Button, Flex, Text } from '@backstage/ui';
import type { PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import { formatUser, pinOf } from '../format';

export interface PendingBarProps {
  changes: PendingChange[];
  /** An apply is running: nothing can be applied or discarded until it ends. */
  busy: boolean;
  error?: string;
  onApply(): void;
  onDiscard(change: PendingChange): void;
}

function describe(change: PendingChange): string {
  return change.action === 'install' ? `install ${change.package}` : `${change.action} ${change.key}`;
}

/**
 * The staged changes, each with a Discard button, and Apply. Changes are
 * batched so that one apply (one installer run, one restart) takes them all.
 */
export function PendingBar({ changes, busy, error, onApply, onDiscard }: PendingBarProps) {
  if (changes.length === 0 && !error) return null;
  return (
    <section aria-label="Pending changes">
      <Flex direction="column" gap="2">
        {error && <Alert status="danger" role="alert" title="Apply refused" description={error} />}
        {changes.length > 0 && (
          <Alert
            status="warning"
            title={`${changes.length} pending change${changes.length === 1 ? '' : 's'}: not applied yet`}
            customActions={
              <Button variant="primary" onPress={onApply} isDisabled={busy}>
                Apply
              </Button>
            }
            description={
              <ul style={{ margin: 0, paddingLeft: 18 }}>
                {changes.map(change => {
                  const pin = change.action === 'install' ? pinOf(change.package, change.integrity) : undefined;
                  return (
                    <li key={change.id}>
                      <Flex align="center" gap="2">
                        <Text>
                          {describe(change)} <Text color="secondary">by {formatUser(change.author)}</Text>
                          {pin && (
                            <Text color="secondary" variant="body-small" style={{ display: 'block', wordBreak: 'break-all' }}>
                              pinned: {pin}
                            </Text>
                          )}
                        </Text>
                        <Button size="small" variant="tertiary" aria-label={`Discard ${describe(change)}`} isDisabled={busy} onPress={() => onDiscard(change)}>
                          Discard
                        </Button>
                      </Flex>
                    </li>
                  );
                })}
              </ul>
            }
          />
        )}
      </Flex>
    </section>
  );
}
