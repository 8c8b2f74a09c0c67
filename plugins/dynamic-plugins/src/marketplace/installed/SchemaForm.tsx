import { Button, Checkbox, Flex, NumberField, Select, Text, TextField } from '@backstage/ui';
import { useId, useMemo, type ReactNode } from 'react';
import type { PluginSchemas } from '../api';
import type { Loaded } from '../useLoad';
import { schemaFields, secretProblem, suggestedEnvName, type EnumValue, type Field, type Path } from './schemaFields';

export interface SchemaFormProps {
  fields: Field[];
  /** Sets one key path; `undefined` removes the key (an emptied field means "not set", not ""). */
  onChange(path: Path, value: unknown): void;
}

/**
 * The Configure dialog's form: one control per field `schemaFields` found,
 * labelled with the dotted key path the server's refusals use, so a message
 * like `todo.pageSize: must be integer` points at a visible label.
 */
export function SchemaForm({ fields, onChange }: SchemaFormProps) {
  return (
    <Flex direction="column" gap="3">
      {fields.map(field => (
        <FieldControl key={field.label} field={field} onChange={onChange} />
      ))}
    </Flex>
  );
}

function FieldControl({ field, onChange }: { field: Field; onChange: SchemaFormProps['onChange'] }) {
  const { path, label } = field;
  const description = withRequired(field.description, field.required);
  switch (field.kind) {
    case 'object':
      return (
        <Group legend={label} description={description}>
          <SchemaForm fields={field.fields} onChange={onChange} />
        </Group>
      );
    case 'string':
      return (
        <TextField
          label={label}
          description={field.secret ? secretHelp(path, description) : description}
          value={field.value ?? ''}
          onChange={v => onChange(path, v === '' ? undefined : v)}
          // "aria" validation shows the problem as it is typed, without a form submit.
          validationBehavior="aria"
          validate={v => (field.secret ? secretProblem(label, v, path) : undefined)}
        />
      );
    case 'number':
      return (
        <NumberField
          label={label}
          description={description}
          value={field.value ?? NaN}
          onChange={v => onChange(path, Number.isNaN(v) ? undefined : v)}
          step={field.integer ? 1 : undefined}
          formatOptions={field.integer ? { maximumFractionDigits: 0 } : { maximumFractionDigits: 20 }}
        />
      );
    case 'boolean':
      return <BooleanControl label={label} description={description} value={field.value} onChange={v => onChange(path, v)} />;
    case 'enum':
      return <EnumControl label={label} description={description} options={field.options} value={field.value} required={field.required} onChange={v => onChange(path, v)} />;
    case 'stringList':
      return (
        <Group legend={label} description={field.secret ? secretHelp(path, description) : description}>
          {field.value.map((item, i) => (
            <Flex key={i} gap="2" align="end">
              <TextField
                label={`${label}[${i}]`}
                value={item}
                onChange={v => onChange(path, field.value.map((old, j) => (j === i ? v : old)))}
                validationBehavior="aria"
                validate={v => (field.secret ? secretProblem(`${label}[${i}]`, v, path) : undefined)}
                style={{ flexGrow: 1 }}
              />
              <Button
                variant="secondary"
                aria-label={`Remove ${label}[${i}]`}
                // The last item gone, the key goes too: an empty list is rarely what a schema means.
                onPress={() => onChange(path, field.value.length > 1 ? field.value.filter((_, j) => j !== i) : undefined)}
              >
                Remove
              </Button>
            </Flex>
          ))}
          <div>
            <Button variant="secondary" aria-label={`Add to ${label}`} onPress={() => onChange(path, [...field.value, ''])}>
              Add
            </Button>
          </div>
        </Group>
      );
    case 'yamlOnly':
      return (
        <Text as="p" variant="body-small">
          <strong>{label}</strong>: edit in YAML ({field.reason}). The form keeps its value as it is.
        </Text>
      );
    default:
      return null;
  }
}

/** A nested object or a list: a fieldset, so screen readers announce the key path with its fields. */
function Group({ legend, description, children }: { legend: string; description?: string; children: ReactNode }) {
  const descriptionId = useId();
  return (
    <fieldset
      aria-describedby={description ? descriptionId : undefined}
      style={{ border: '1px solid var(--bui-border-1)', borderRadius: 'var(--bui-radius-2)', padding: 'var(--bui-space-3)', margin: 0, minWidth: 0 }}
    >
      <Text as="legend" weight="bold">
        {legend}
      </Text>
      <Flex direction="column" gap="3">
        {description && (
          <Text id={descriptionId} variant="body-small" color="secondary">
            {description}
          </Text>
        )}
        {children}
      </Flex>
    </fieldset>
  );
}

function BooleanControl({ label, description, value, onChange }: { label: string; description?: string; value?: boolean; onChange(value: boolean): void }) {
  const descriptionId = useId();
  const help = [description, value === undefined ? 'Not set: the plugin default applies.' : undefined].filter(Boolean).join(' ');
  return (
    <Flex direction="column" gap="1">
      <Checkbox isSelected={value ?? false} onChange={onChange} aria-describedby={help ? descriptionId : undefined}>
        {label}
      </Checkbox>
      {help && (
        <Text id={descriptionId} variant="body-small" color="secondary">
          {help}
        </Text>
      )}
    </Flex>
  );
}

const UNSET = 'unset';

interface EnumControlProps {
  label: string;
  description?: string;
  options: EnumValue[];
  value?: EnumValue;
  required: boolean;
  onChange(value: EnumValue | undefined): void;
}

function EnumControl({ label, description, options, value, required, onChange }: EnumControlProps) {
  // A value the schema does not list (typed in YAML) is still shown, so the
  // select does not pretend the key is unset; the server refuses it on Save.
  const choices = value !== undefined && !options.includes(value) ? [...options, value] : options;
  const selected = value === undefined ? UNSET : String(choices.indexOf(value));
  return (
    <Select
      label={label}
      description={description}
      options={[
        ...(required ? [] : [{ value: UNSET, label: '(not set)' }]),
        ...choices.map((choice, i) => ({ value: String(i), label: options.includes(choice) ? String(choice) : `${String(choice)} (not a listed choice)` })),
      ]}
      selectedKey={value === undefined && required ? null : selected}
      onSelectionChange={key => onChange(key === null || key === UNSET ? undefined : choices[Number(key)])}
    />
  );
}

function withRequired(description: string | undefined, required: boolean): string | undefined {
  if (!required) return description;
  // Only a hint: the key may be set in app-config already, and the server checks the merged config.
  return [description, 'Required.'].filter(Boolean).join(' ');
}

function secretHelp(path: Path, description: string | undefined): string {
  const help = `Secret: only an environment reference such as \${${suggestedEnvName(path)}} is accepted; set the variable where the portal runs.`;
  return description ? `${description.replace(/\.?$/, '.')} ${help}` : help;
}

export interface SchemaFormViewProps {
  schema: Loaded<PluginSchemas>;
  config: Record<string, unknown>;
  onChange: SchemaFormProps['onChange'];
}

/** The Form tab: the form, or why there is none (the YAML tab still works in every case). */
export function SchemaFormView({ schema, config, onChange }: SchemaFormViewProps) {
  const fields = useMemo(() => (schema.value ? schemaFields(schema.value.schemas, config) : undefined), [schema.value, config]);
  if (schema.error) return <Text as="p">The config schema could not be loaded ({schema.error.message}); edit the config as YAML.</Text>;
  if (!schema.value) return <Text as="p">Loading the config schema…</Text>;
  if (!fields) return <Text as="p">This plugin declares no config schema; edit it as YAML.</Text>;
  return <SchemaForm fields={fields} onChange={onChange} />;
}
