import { useApi } from '@backstage/frontend-plugin-api';
import { Alert, Button, Cell, Column, Flex, Row, TableBody, TableHeader, TableRoot, Text } from '@backstage/ui';
import type { GenerationDiffLine, GenerationSummary } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { errorMessage, marketplaceApiRef } from '../api';
import { formatTime, formatUser } from '../format';
import { useLoad } from '../useLoad';

export interface HistoryViewProps {
  /** Changes when an apply ends, so the list is read again. */
  refreshKey: number;
  busy: boolean;
  /** Starts a rollback; rejects with the server's message (409 while an apply runs). */
  onRollback(generation: number): Promise<unknown>;
}

export function diffLineText(line: GenerationDiffLine): string {
  switch (line.change) {
    case 'version':
      return `${line.key}: ${line.from ?? '?'} → ${line.to ?? '?'}`;
    case 'added':
      return `+ ${line.key}${line.to ? ` (${line.to})` : ''}`;
    case 'removed':
      return `− ${line.key}${line.from ? ` (${line.from})` : ''}`;
    default:
      return `${line.key}: ${line.change}`;
  }
}

function describeState(g: GenerationSummary): string {
  if (g.rollbackOf !== undefined) return `${g.state} (rollback to ${g.rollbackOf})`;
  return g.state;
}

/** Every generation, newest first, with its diff, result and a rollback button. */
export function HistoryView({ refreshKey, busy, onRollback }: HistoryViewProps) {
  const api = useApi(marketplaceApiRef);
  const generations = useLoad(() => api.listGenerations(), [api, refreshKey]);
  const [error, setError] = useState<string>();
  const list = [...(generations.value ?? [])].sort((a, b) => b.id - a.id);
  const serving = list.find(g => g.state === 'serving')?.id;

  const rollback = (id: number) => {
    setError(undefined);
    onRollback(id).catch(e => setError(errorMessage(e)));
  };

  return (
    <Flex direction="column" gap="3">
      {error && <Alert status="danger" role="alert" title="Rollback refused" description={error} />}
      {generations.error && <Alert status="danger" role="alert" title="The history could not be loaded" description={generations.error.message} />}
      <TableRoot aria-label="Generations">
        <TableHeader>
          <Column isRowHeader>Generation</Column>
          <Column>Author</Column>
          <Column>Time</Column>
          <Column>State</Column>
          <Column>Changes</Column>
          <Column>Actions</Column>
        </TableHeader>
        <TableBody renderEmptyState={() => <Text>{generations.loading ? 'Loading…' : 'Nothing has been applied yet.'}</Text>}>
          {list.map(g => (
            <Row key={g.id} id={g.id}>
              <Cell>
                <Text weight="bold">#{g.id}</Text>
              </Cell>
              <Cell>{formatUser(g.author)}</Cell>
              <Cell>{formatTime(g.finishedAt ?? g.createdAt)}</Cell>
              <Cell>
                <Flex direction="column" gap="0">
                  <Text color={g.state === 'failed' ? 'danger' : undefined}>{describeState(g)}</Text>
                  {g.reason && (
                    <Text variant="body-small" color="secondary">
                      {g.reason}
                    </Text>
                  )}
                </Flex>
              </Cell>
              <Cell>
                {g.diff.length === 0 ? (
                  <Text color="secondary">no change</Text>
                ) : (
                  <ul aria-label={`Changes in generation ${g.id}`} style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
                    {g.diff.map((line, i) => (
                      <li key={i}>
                        <code>{diffLineText(line)}</code>
                      </li>
                    ))}
                  </ul>
                )}
              </Cell>
              <Cell>
                <Button size="small" variant="secondary" isDisabled={busy || g.id === serving} onPress={() => rollback(g.id)}>
                  Roll back to this
                </Button>
              </Cell>
            </Row>
          ))}
        </TableBody>
      </TableRoot>
    </Flex>
  );
}
