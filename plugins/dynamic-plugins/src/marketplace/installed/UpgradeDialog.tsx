import { useApi } from '@backstage/frontend-plugin-api';
import { Button, Dialog, DialogBody, DialogFooter, DialogHeader, Select, Text, TextField } from '@backstage/ui';
import type { ChangeRequest, ManagedPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { errorMessage, marketplaceApiRef } from '../api';
import { useLoad } from '../useLoad';

export interface UpgradeDialogProps {
  plugin: ManagedPlugin;
  onClose(): void;
  onStage(change: ChangeRequest): Promise<unknown>;
}

/**
 * Upgrade or downgrade: an `install` of another version of the same key.
 * Versions come from the catalog entry of the same package; a plugin no
 * catalog lists can still be moved by typing its new `package:` line.
 */
export function UpgradeDialog({ plugin, onClose, onStage }: UpgradeDialogProps) {
  const api = useApi(marketplaceApiRef);
  const catalog = useLoad(() => api.listCatalog({ q: plugin.key }), [api, plugin.key]);
  const entry = catalog.value?.entries.find(e => e.name === plugin.key);
  const [chosen, setChosen] = useState<string>();
  const [typed, setTyped] = useState('');
  const [error, setError] = useState<string>();

  const version = entry?.versions.find(v => v.package === chosen);
  const submit = async () => {
    const pkg = entry ? version?.package : typed.trim();
    if (!pkg) return;
    setError(undefined);
    try {
      await onStage({ action: 'install', package: pkg, integrity: version?.integrity });
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  return (
    <Dialog isOpen onOpenChange={open => !open && onClose()} width={560}>
      <DialogHeader>Change the version of {plugin.key}</DialogHeader>
      <DialogBody>
        <Text as="p">Installed: {plugin.version ?? 'unknown'}</Text>
        {catalog.loading && !catalog.value && <Text>Looking the plugin up in the catalog…</Text>}
        {entry && (
          <Select
            label="Version"
            options={entry.versions.map(v => ({ value: v.package, label: v.version === plugin.version ? `${v.version} (installed)` : v.version }))}
            selectedKey={chosen ?? null}
            onSelectionChange={key => setChosen(key === null ? undefined : String(key))}
          />
        )}
        {!catalog.loading && !entry && (
          <TextField label="Package" description="No catalog lists this plugin: type the new package: line (npm spec or oci:// reference)." value={typed} onChange={setTyped} />
        )}
        {error && (
          <Text as="p" role="alert" color="danger">
            {error}
          </Text>
        )}
      </DialogBody>
      <DialogFooter>
        <Button variant="secondary" onPress={onClose}>
          Cancel
        </Button>
        <Button variant="primary" onPress={submit} isDisabled={entry ? !version : !typed.trim()}>
          Stage version
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
