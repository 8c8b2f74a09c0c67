import { Button, Dialog, DialogBody, DialogFooter, DialogHeader, Text, TextAreaField } from '@backstage/ui';
import type { ManagedPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { useState } from 'react';
import { errorMessage } from '../api';
import { configToYaml, yamlToConfig } from './configYaml';

export interface ConfigureDialogProps {
  plugin: ManagedPlugin;
  onClose(): void;
  /** Stages a `configure` change; rejects with the server's validation message. */
  onSave(pluginConfig: Record<string, unknown>): Promise<unknown>;
}

/**
 * A raw YAML editor for a plugin's `pluginConfig`. A refused save keeps the
 * text as typed, so the admin fixes the key the message names instead of
 * starting again.
 */
export function ConfigureDialog({ plugin, onClose, onSave }: ConfigureDialogProps) {
  const [text, setText] = useState(() => configToYaml(plugin.pluginConfig));
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);

  const save = async () => {
    const parsed = yamlToConfig(text);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      await onSave(parsed.config);
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog isOpen onOpenChange={open => !open && onClose()} width={640}>
      <DialogHeader>Configure {plugin.key}</DialogHeader>
      <DialogBody>
        <TextAreaField
          label="pluginConfig (YAML)"
          description="Write secrets as ${ENV_VAR} references: the value stays in the environment, not in the database."
          rows={14}
          value={text}
          onChange={setText}
        />
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
        <Button variant="primary" onPress={save} isPending={saving}>
          Save
        </Button>
      </DialogFooter>
    </Dialog>
  );
}
