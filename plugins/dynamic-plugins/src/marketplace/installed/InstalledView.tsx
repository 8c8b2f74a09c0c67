import { Badge, Button, Cell, Column, Flex, Row, TableBody, TableHeader, TableRoot, Text, VisuallyHidden } from '@backstage/ui';
import { describeTrust, type ChangeRequest, type ManagedPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { formatMs, formatTime, formatUser } from '../format';
import { ConfigureDialog } from './ConfigureDialog';
import { UpgradeDialog } from './UpgradeDialog';

export const LOCKED_REASON = 'Locked in dynamic-plugins.yaml: change it there, in Git.';

export interface InstalledViewProps {
  plugins: ManagedPlugin[];
  /** An apply is running: staging now would land in the next generation, which is confusing. */
  busy: boolean;
  /** Stages a change; rejects with the server's message (which names the key). */
  onStage(change: ChangeRequest): Promise<unknown>;
}

type Dialog = { kind: 'configure' | 'upgrade'; plugin: ManagedPlugin } | undefined;

/** Every plugin, from dynamic-plugins.yaml and the marketplace layer, with its state and actions. */
export function InstalledView({ plugins, busy, onStage }: InstalledViewProps) {
  const [dialog, setDialog] = useState<Dialog>();
  const [error, setError] = useState<string>();
  const stage = (change: ChangeRequest) => {
    setError(undefined);
    onStage(change).catch(e => setError(e instanceof Error ? e.message : String(e)));
  };

  return (
    <Flex direction="column" gap="3">
      {error && (
        <Text role="alert" color="danger">
          {error}
        </Text>
      )}
      <TableRoot aria-label="Installed plugins">
        <TableHeader>
          <Column isRowHeader>Name</Column>
          <Column>Version</Column>
          <Column>Source</Column>
          <Column>Origin</Column>
          <Column>State</Column>
          <Column>Init time</Column>
          <Column>Last change</Column>
          <Column>Actions</Column>
        </TableHeader>
        <TableBody renderEmptyState={() => <Text>No plugins are installed.</Text>}>
          {plugins.map((plugin, index) => (
            <Row key={plugin.key} id={plugin.key}>
              <Cell>
                <Flex direction="column" gap="0">
                  <Text weight="bold">{plugin.key}</Text>
                  {plugin.locked && <Badge size="small">locked</Badge>}
                  <TrustBadge plugin={plugin} />
                </Flex>
              </Cell>
              <Cell>{plugin.version ?? '—'}</Cell>
              <Cell>{plugin.source}</Cell>
              <Cell>{plugin.origin === 'yaml' ? 'YAML' : 'marketplace'}</Cell>
              <Cell>
                <Flex direction="column" gap="0">
                  <Text>{plugin.state}</Text>
                  {plugin.reason && (
                    <Text variant="body-small" color="secondary">
                      {plugin.reason}
                    </Text>
                  )}
                </Flex>
              </Cell>
              <Cell>{formatMs(plugin.initMs)}</Cell>
              <Cell>
                {plugin.changedBy || plugin.changedAt ? `${formatUser(plugin.changedBy)}, ${formatTime(plugin.changedAt)}` : '—'}
              </Cell>
              <Cell>
                <RowActions
                  plugin={plugin}
                  busy={busy}
                  describedBy={`locked-reason-${index}`}
                  onToggle={() => stage({ action: plugin.enabled ? 'disable' : 'enable', package: plugin.key })}
                  onConfigure={() => setDialog({ kind: 'configure', plugin })}
                  onUpgrade={() => setDialog({ kind: 'upgrade', plugin })}
                  onUninstall={() => stage({ action: 'uninstall', package: plugin.key })}
                />
              </Cell>
            </Row>
          ))}
        </TableBody>
      </TableRoot>
      {dialog?.kind === 'configure' && (
        <ConfigureDialog plugin={dialog.plugin} onClose={() => setDialog(undefined)} onSave={pluginConfig => onStage({ action: 'configure', package: dialog.plugin.key, pluginConfig })} />
      )}
      {dialog?.kind === 'upgrade' && <UpgradeDialog plugin={dialog.plugin} onClose={() => setDialog(undefined)} onStage={onStage} />}
    </Flex>
  );
}

interface RowActionsProps {
  plugin: ManagedPlugin;
  busy: boolean;
  describedBy: string;
  onToggle(): void;
  onConfigure(): void;
  onUpgrade(): void;
  onUninstall(): void;
}

function RowActions({ plugin, busy, describedBy, onToggle, onConfigure, onUpgrade, onUninstall }: RowActionsProps) {
  const disabled = plugin.locked || busy;
  // A disabled button gets no hover events, so the tooltip sits on the
  // wrapper (the browser's title tooltip) and the reason is also the
  // buttons' accessible description for screen readers.
  const common = { size: 'small' as const, variant: 'secondary' as const, isDisabled: disabled, 'aria-describedby': plugin.locked ? describedBy : undefined };
  return (
    <span title={plugin.locked ? LOCKED_REASON : undefined}>
      {plugin.locked && <VisuallyHidden id={describedBy}>{LOCKED_REASON}</VisuallyHidden>}
      <Flex gap="1" style={{ flexWrap: 'wrap' }}>
        <Button {...common} onPress={onToggle}>
          {plugin.enabled ? 'Disable' : 'Enable'}
        </Button>
        <Button {...common} onPress={onConfigure}>
          Configure
        </Button>
        <Button {...common} onPress={onUpgrade}>
          Upgrade
        </Button>
        <Button {...common} destructive onPress={onUninstall}>
          Uninstall
        </Button>
      </Flex>
    </span>
  );
}

/**
 * The trust policy's result for the installed bytes: nothing when no policy
 * checks this plugin, else verified (by whom), unsigned or invalid, with the
 * detail as its tooltip and accessible name.
 */
function TrustBadge({ plugin }: { plugin: ManagedPlugin }) {
  const trust = plugin.trust;
  if (!trust || trust.status === 'not-checked') return null;
  const label = trust.status === 'verified' ? 'signed' : trust.status;
  const text = `${describeTrust(trust)} (trust policy: ${trust.mode})`;
  return (
    <span title={text} aria-label={text}>
      <Badge size="small">{label}</Badge>
    </span>
  );
}
