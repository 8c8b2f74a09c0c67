import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Cell, Column, Flex, Row, TableBody, TableHeader, TableRoot, Text } from '@backstage/ui';
import type { ReplicaStatus } from '@devportal/plugin-dynamic-plugins-common';
import { marketplaceApiRef } from '../api';
import { formatTime } from '../format';
import { useLoad } from '../useLoad';

function describe(replica: ReplicaStatus, desired: number | null): string {
  const serving = replica.generation === null ? 'the base file' : `generation ${replica.generation}`;
  switch (replica.state) {
    case 'applying':
      return `moving to generation ${replica.target ?? '?'} (serves ${serving} meanwhile)`;
    case 'failed':
      return `could not apply; serves ${serving}`;
    case 'gone':
      return 'not reporting (stopped, or unreachable)';
    default:
      return replica.generation === desired ? `serves ${serving}` : `serves ${serving}; will follow generation ${desired ?? '?'}`;
  }
}

/**
 * Every portal process sharing this database (replicas), with the
 * generation it serves. Each replica follows the newest serving generation
 * by itself; one that could not says why here and keeps what it had.
 */
export function ReplicasView({ refreshKey }: { refreshKey: number }) {
  const api = useApi(marketplaceApiRef);
  const replicas = useLoad(() => api.listReplicas(), [api, refreshKey]);
  const desired = replicas.value?.desired ?? null;
  const list = replicas.value?.replicas ?? [];
  return (
    <Flex direction="column" gap="2">
      <Text variant="title-small">Replicas</Text>
      {replicas.error && <Alert status="danger" role="alert" title="The replicas could not be loaded" description={replicas.error.message} />}
      <TableRoot aria-label="Replicas">
        <TableHeader>
          <Column isRowHeader>Replica</Column>
          <Column>Generation</Column>
          <Column>State</Column>
          <Column>Last report</Column>
        </TableHeader>
        <TableBody renderEmptyState={() => <Text>{replicas.loading ? 'Loading…' : 'No replica has reported yet.'}</Text>}>
          {list.map(replica => (
            <Row key={replica.id} id={replica.id}>
              <Cell>
                <code>{replica.id}</code>
              </Cell>
              <Cell>{replica.generation === null ? 'base' : `#${replica.generation}`}</Cell>
              <Cell>
                <Flex direction="column" gap="0">
                  <Text color={replica.state === 'failed' ? 'danger' : undefined}>{describe(replica, desired)}</Text>
                  {replica.lastError && (
                    <Text variant="body-small" color="secondary">
                      {replica.lastError}
                    </Text>
                  )}
                </Flex>
              </Cell>
              <Cell>{formatTime(replica.updatedAt)}</Cell>
            </Row>
          ))}
        </TableBody>
      </TableRoot>
    </Flex>
  );
}
