import { Alert, Flex, Text } from '@backstage/ui';
import { APPLY_STAGES } from '@devportal/plugin-dynamic-plugins-common';
import type { ApplyStatus } from './useApplyProgress';

type StageState = 'done' | 'running' | 'failed' | 'waiting';

function stageStates(status: ApplyStatus): StageState[] {
  const reached = status.stage ? APPLY_STAGES.indexOf(status.stage) : -1;
  return APPLY_STAGES.map((_, i) => {
    if (status.state === 'serving' || status.state === 'superseded') return 'done';
    if (i < reached) return 'done';
    if (i === reached) return status.state === 'failed' ? 'failed' : 'running';
    return 'waiting';
  });
}

const MARK: Record<StageState, string> = { done: '✓', running: '…', failed: '✗', waiting: '·' };

/** The stages of one apply, as they are reached (resolve → … → healthy). */
export function ApplyProgressPanel({ status }: { status: ApplyStatus }) {
  const states = stageStates(status);
  const title =
    status.state === 'failed'
      ? `Generation ${status.generation} failed; the previous generation keeps running`
      : status.state === 'applying'
        ? `Applying generation ${status.generation}`
        : `Generation ${status.generation} is serving`;
  return (
    <Alert
      status={status.state === 'failed' ? 'danger' : status.state === 'applying' ? 'info' : 'success'}
      loading={status.state === 'applying'}
      title={title}
      description={
        <Flex direction="column" gap="1">
          <ol aria-label="Apply stages" style={{ display: 'flex', gap: 16, listStyle: 'none', padding: 0, margin: 0, flexWrap: 'wrap' }}>
            {APPLY_STAGES.map((stage, i) => (
              <li key={stage} data-state={states[i]} aria-label={`${stage}: ${states[i]}`}>
                <span aria-hidden="true">{MARK[states[i]]} </span>
                {stage}
              </li>
            ))}
          </ol>
          {status.state === 'serving' && (
            // The app's frontend plugins were loaded when the page was: open pages keep them until they reload.
            <Text variant="body-small">Reload the page to see frontend plugins this generation added or changed.</Text>
          )}
          {status.message && (
            <Text role="status" variant="body-small">
              {status.message}
            </Text>
          )}
        </Flex>
      }
    />
  );
}
