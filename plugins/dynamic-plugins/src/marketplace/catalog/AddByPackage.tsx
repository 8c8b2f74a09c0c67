import { Alert, Button, Flex, Text, TextField } from '@backstage/ui';
import type { ChangeRequest, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { errorMessage } from '../api';
import { pinOf } from '../format';
import { ConsentNote } from './ConsentNote';

export interface AddByPackageProps {
  installed: ReadonlySet<string>;
  busy: boolean;
  onStage(change: ChangeRequest): Promise<PendingChange>;
}

/**
 * "Add by package name": any npm spec or OCI reference, for plugins no
 * catalog lists. The backend classifies the spec and refuses registries it
 * is not configured for; the page only passes the text on.
 */
export function AddByPackage({ installed, busy, onStage }: AddByPackageProps) {
  const [spec, setSpec] = useState('');
  const [consent, setConsent] = useState(false);
  const [staged, setStaged] = useState<PendingChange>();
  const [error, setError] = useState<string>();
  const trimmed = spec.trim();
  // Anything typed here is third-party unless it is already installed.
  const needsConsent = trimmed !== '' && ![...installed].some(key => trimmed === key || trimmed.startsWith(`${key}@`));

  const add = async () => {
    setError(undefined);
    setStaged(undefined);
    try {
      setStaged(await onStage({ action: 'install', package: trimmed }));
      setSpec('');
      setConsent(false);
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <section aria-label="Add by package name">
      <Flex direction="column" gap="2">
        <Text as="h3" variant="title-x-small">
          Add by package name
        </Text>
        <TextField label="Package" description="An npm spec (@scope/name@1.2.3) or an OCI reference (oci://host/image:tag!plugin)" value={spec} onChange={setSpec} />
        {needsConsent && <ConsentNote accepted={consent} onChange={setConsent} />}
        {error && <Alert status="danger" role="alert" title="Not staged" description={error} />}
        {staged && <Alert status="success" role="status" title={`Staged: install ${staged.package}`} description={`Pinned: ${pinOf(staged.package, staged.integrity) ?? 'nothing'}`} />}
        <Flex>
          <Button variant="secondary" onPress={add} isDisabled={busy || trimmed === '' || (needsConsent && !consent)}>
            Add
          </Button>
        </Flex>
      </Flex>
    </section>
  );
}
