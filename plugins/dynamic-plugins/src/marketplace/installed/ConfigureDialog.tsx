import { useApi } from '@backstage/frontend-plugin-api';
import { Button, Dialog, DialogBody, DialogFooter, DialogHeader, Tab, TabList, TabPanel, Tabs, Text, TextAreaField } from '@backstage/ui';
import type { ManagedPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { useId, useMemo, useState } from 'react';
import { errorMessage, marketplaceApiRef } from '../api';
import { useLoad } from '../useLoad';
import { configToYaml, setInYaml, yamlToConfig } from './configYaml';
import { SchemaFormView } from './SchemaForm';
import { schemaFields, secretProblems } from './schemaFields';

export interface ConfigureDialogProps {
  plugin: ManagedPlugin;
  onClose(): void;
  /** Stages a `configure` change; rejects with the server's validation message. */
  onSave(pluginConfig: Record<string, unknown>): Promise<unknown>;
}

/**
 * A raw YAML editor for a plugin's `pluginConfig`, and a form built from the
 * plugin's config schema. The YAML text is the one value both views edit
 * (the form writes key by key into it), so switching views loses nothing and
 * keys the form cannot show survive. A refused save keeps the input as
 * typed, so the admin fixes the key the message names instead of starting
 * again.
 */
export function ConfigureDialog({ plugin, onClose, onSave }: ConfigureDialogProps) {
  const [text, setText] = useState(() => configToYaml(plugin.pluginConfig));
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [view, setView] = useState('yaml');
  const api = useApi(marketplaceApiRef);
  const schema = useLoad(() => api.pluginSchema(plugin.key), [api, plugin.key]);
  const parsedText = useMemo(() => yamlToConfig(text), [text]);
  const formBlockedId = useId();

  const save = async () => {
    const parsed = yamlToConfig(text);
    if ('error' in parsed) {
      setError(parsed.error);
      return;
    }
    // Said here, before the request, in either view; the server refuses it too.
    const secrets = schema.value ? secretProblems(schemaFields(schema.value.schemas, parsed.config) ?? []) : [];
    if (secrets.length > 0) {
      setError(secrets.join('; '));
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
        <Tabs selectedKey={view} onSelectionChange={key => setView(String(key))} disabledKeys={'error' in parsedText ? ['form'] : []}>
          <TabList aria-label="Edit as">
            <Tab id="yaml">YAML</Tab>
            <Tab id="form" aria-describedby={'error' in parsedText ? formBlockedId : undefined}>
              Form
            </Tab>
          </TabList>
          <TabPanel id="yaml">
            <TextAreaField
              label="pluginConfig (YAML)"
              description="Write secrets as ${ENV_VAR} references: the value stays in the environment, not in the database."
              rows={14}
              value={text}
              onChange={setText}
            />
            {'error' in parsedText && (
              <Text as="p" id={formBlockedId} variant="body-small" color="secondary">
                The Form view is off until the YAML is a valid mapping: {parsedText.error}
              </Text>
            )}
          </TabPanel>
          <TabPanel id="form">
            {'config' in parsedText && <SchemaFormView schema={schema} config={parsedText.config} onChange={(path, value) => setText(t => setInYaml(t, path, value))} />}
          </TabPanel>
        </Tabs>
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
