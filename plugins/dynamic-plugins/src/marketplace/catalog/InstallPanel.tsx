import { Alert, Button, Flex, Select, Text } from '@backstage/ui';
import type { CatalogListing, ChangeRequest, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { errorMessage } from '../api';
import { formatBytes, pinOf } from '../format';
import { ConsentNote } from './ConsentNote';

export interface InstallPanelProps {
  entry: CatalogListing;
  installed: ReadonlySet<string>;
  busy: boolean;
  onStage(change: ChangeRequest): Promise<PendingChange>;
}

/** Version choice, what pins it, the consent note when needed, and Install. */
export function InstallPanel({ entry, installed, busy, onStage }: InstallPanelProps) {
  const [chosen, setChosen] = useState<string | undefined>(entry.versions[0]?.package);
  const [consent, setConsent] = useState(false);
  const [staged, setStaged] = useState<PendingChange>();
  const [error, setError] = useState<string>();
  const version = entry.versions.find(v => v.package === chosen);
  const isInstalled = installed.has(entry.name);
  const needsConsent = entry.source !== 'bundled' && !isInstalled;
  const pin = version && pinOf(version.package, version.integrity);

  const install = async () => {
    if (!version) return;
    setError(undefined);
    try {
      setStaged(await onStage({ action: 'install', package: version.package, integrity: version.integrity, pluginConfig: entry.defaultConfig }));
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Flex direction="column" gap="3">
      {entry.versions.length > 0 ? (
        <Select
          label="Version"
          options={entry.versions.map(v => ({ value: v.package, label: v.version }))}
          selectedKey={chosen ?? null}
          onSelectionChange={key => {
            setChosen(key === null ? undefined : String(key));
            setStaged(undefined);
          }}
        />
      ) : (
        <Text color="danger">The catalog lists no version of this plugin.</Text>
      )}
      {version && (
        <dl style={{ margin: 0 }}>
          <dt>Package</dt>
          <dd style={{ wordBreak: 'break-all' }}>{version.package}</dd>
          <dt>Pinned</dt>
          <dd style={{ wordBreak: 'break-all' }}>{pin ?? 'the integrity is fetched from the registry and pinned when the change is staged'}</dd>
          <dt>Built against Backstage</dt>
          <dd>{version.backstageVersion ?? 'unknown'}</dd>
          <dt>Size</dt>
          <dd>{formatBytes(version.sizeBytes)}</dd>
        </dl>
      )}
      {needsConsent && <ConsentNote accepted={consent} onChange={setConsent} />}
      {error && <Alert status="danger" role="alert" title="Not staged" description={error} />}
      {staged && (
        <Alert
          status="success"
          role="status"
          title={`Staged: install ${staged.package}`}
          description={`Pinned: ${pinOf(staged.package, staged.integrity) ?? 'nothing (a bundled package)'}. Apply it from the pending changes.`}
        />
      )}
      <Flex>
        <Button variant="primary" onPress={install} isDisabled={busy || !version || (needsConsent && !consent)}>
          Install
        </Button>
      </Flex>
    </Flex>
  );
}
