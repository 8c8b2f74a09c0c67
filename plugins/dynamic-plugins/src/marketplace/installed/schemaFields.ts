/**
 * Turns a plugin's config schemas (Backstage config schemas: JSON Schema
 * draft-07 with `visibility`) and its current `pluginConfig` into the list of
 * fields the Configure form shows. Pure, so the rules are tested without a
 * browser; the form only renders what this returns.
 */

/** The part of a Backstage config schema the form reads. Everything else is left to YAML. */
export interface ConfigSchema {
  type?: string | string[];
  properties?: Record<string, ConfigSchema>;
  additionalProperties?: boolean | ConfigSchema;
  items?: ConfigSchema | ConfigSchema[];
  enum?: unknown[];
  description?: string;
  required?: string[];
  visibility?: 'frontend' | 'backend' | 'secret';
  [keyword: string]: unknown;
}

export type Path = string[];
export type EnumValue = string | number | boolean | null;

interface FieldBase {
  path: Path;
  /** The dotted key path, as the server names keys in its refusals. */
  label: string;
  description?: string;
  required: boolean;
}

export type Field =
  | (FieldBase & { kind: 'object'; fields: Field[] })
  | (FieldBase & { kind: 'string'; value?: string; secret: boolean })
  | (FieldBase & { kind: 'number'; integer: boolean; value?: number })
  | (FieldBase & { kind: 'boolean'; value?: boolean })
  | (FieldBase & { kind: 'enum'; options: EnumValue[]; value?: EnumValue })
  | (FieldBase & { kind: 'stringList'; value: string[]; secret: boolean })
  /** Shown as "edit in YAML"; the form never writes to it, so its value stays as it is. */
  | (FieldBase & { kind: 'yamlOnly'; reason: string });

/**
 * One schema from several. Backstage validates the config against each of a
 * package's schemas, and they usually describe different top-level keys, so
 * the form shows the union: objects met twice have their properties merged;
 * for two different leaves at one key the first wins (the server still
 * checks the value against both).
 */
export function mergeSchemas(schemas: readonly object[]): ConfigSchema | undefined {
  let merged: ConfigSchema | undefined;
  for (const schema of schemas) {
    if (!isRecord(schema)) continue;
    merged = merged ? mergeTwo(merged, schema as ConfigSchema) : (schema as ConfigSchema);
  }
  return merged;
}

function mergeTwo(a: ConfigSchema, b: ConfigSchema): ConfigSchema {
  if (!isRecord(a.properties) || !isRecord(b.properties)) return a;
  const properties: Record<string, ConfigSchema> = { ...a.properties };
  for (const [key, schema] of Object.entries(b.properties)) {
    properties[key] = properties[key] ? mergeTwo(properties[key], schema) : schema;
  }
  const required = [...new Set([...(a.required ?? []), ...(b.required ?? [])])];
  return { ...b, ...a, properties, required, description: a.description ?? b.description };
}

/**
 * The form's fields for `value` (the parsed `pluginConfig`), or undefined
 * when the schemas describe no keys at all: then there is nothing to build
 * a form from and the dialog says so.
 */
export function schemaFields(schemas: readonly object[], value: Record<string, unknown>): Field[] | undefined {
  const root = mergeSchemas(schemas);
  if (!root || !isRecord(root.properties) || Object.keys(root.properties).length === 0) return undefined;
  return objectFields(root, value, [], false);
}

function objectFields(schema: ConfigSchema, value: Record<string, unknown>, path: Path, secret: boolean): Field[] {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(properties).map(([key, child]) => fieldFor(child, value[key], [...path, key], required.has(key), secret));
  // Keys the schema does not describe are listed, not dropped: the form
  // writes field by field, so they survive a save untouched.
  for (const key of Object.keys(value)) {
    if (!(key in properties)) fields.push(yamlOnly([...path, key], false, 'the schema does not describe this key'));
  }
  return fields;
}

function fieldFor(schema: ConfigSchema, value: unknown, path: Path, required: boolean, parentSecret: boolean): Field {
  if (!isRecord(schema)) return yamlOnly(path, required, 'its schema cannot be read');
  const base: FieldBase = { path, label: path.join('.'), description: typeof schema.description === 'string' ? schema.description : undefined, required };
  // Backstage filters secrets by the annotation on the key or on any parent.
  const secret = parentSecret || schema.visibility === 'secret';
  // `key:` with nothing after it reads as null in YAML: for a leaf that is "not set".
  if (value === null && schemaType(schema) !== 'object' && !Array.isArray(schema.enum)) value = undefined;
  const combinator = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', 'if'].find(k => k in schema);
  if (combinator) return { ...base, kind: 'yamlOnly', reason: `its schema uses ${combinator}` };

  if (Array.isArray(schema.enum)) {
    const options = schema.enum.filter(isEnumValue);
    if (options.length !== schema.enum.length) return { ...base, kind: 'yamlOnly', reason: 'its choices are not plain values' };
    if (value !== undefined && !isEnumValue(value)) return mismatch(base, value, 'one of its choices');
    return { ...base, kind: 'enum', options, value: value as EnumValue | undefined };
  }

  const type = schemaType(schema);
  switch (type) {
    case 'object': {
      if (!isRecord(schema.properties) || Object.keys(schema.properties).length === 0) {
        return { ...base, kind: 'yamlOnly', reason: 'it is a map of free keys' };
      }
      if (value !== undefined && !isRecord(value)) return mismatch(base, value, 'a mapping');
      return { ...base, kind: 'object', fields: objectFields(schema, (value as Record<string, unknown>) ?? {}, path, secret) };
    }
    case 'string':
      if (value !== undefined && typeof value !== 'string') return mismatch(base, value, 'text');
      return { ...base, kind: 'string', value, secret };
    case 'number':
    case 'integer':
      if (secret) return { ...base, kind: 'yamlOnly', reason: 'a secret number cannot be an environment reference in the form' };
      if (value !== undefined && typeof value !== 'number') return mismatch(base, value, type === 'integer' ? 'an integer' : 'a number');
      return { ...base, kind: 'number', integer: type === 'integer', value };
    case 'boolean':
      if (secret) return { ...base, kind: 'yamlOnly', reason: 'a secret flag cannot be an environment reference in the form' };
      if (value !== undefined && typeof value !== 'boolean') return mismatch(base, value, 'true or false');
      return { ...base, kind: 'boolean', value };
    case 'array': {
      const items = schema.items;
      if (!isRecord(items) || schemaType(items as ConfigSchema) !== 'string' || 'enum' in items) {
        return { ...base, kind: 'yamlOnly', reason: 'only lists of text are edited in the form' };
      }
      if (value !== undefined && !(Array.isArray(value) && value.every(v => typeof v === 'string'))) return mismatch(base, value, 'a list of text');
      return { ...base, kind: 'stringList', value: (value as string[]) ?? [], secret: secret || (items as ConfigSchema).visibility === 'secret' };
    }
    case 'several':
      return { ...base, kind: 'yamlOnly', reason: 'it accepts several types' };
    default:
      return { ...base, kind: 'yamlOnly', reason: 'its schema gives no type' };
  }
}

/** The one type a schema allows (`null` aside, which YAML writes by leaving the key out). */
function schemaType(schema: ConfigSchema): string | undefined {
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []).filter(t => t !== 'null');
  if (types.length > 1) return 'several';
  if (types.length === 1) return types[0];
  if (schema.properties) return 'object';
  if (schema.items) return 'array';
  return undefined;
}

function mismatch(base: FieldBase, value: unknown, wanted: string): Field {
  const got = Array.isArray(value) ? 'a list' : value === null ? 'null' : typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
  return { ...base, kind: 'yamlOnly', reason: `its value is ${got}, the schema wants ${wanted}` };
}

function yamlOnly(path: Path, required: boolean, reason: string): Field {
  return { path, label: path.join('.'), required, kind: 'yamlOnly', reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isEnumValue(value: unknown): value is EnumValue {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

/** The form of reference the backend accepts for a secret (validateConfig.ts uses the same pattern). */
const ENV_REFERENCE = /^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

export function isEnvReference(value: string): boolean {
  return ENV_REFERENCE.test(value);
}

/** A variable name to suggest for a secret: `todo.apiToken` → `TODO_API_TOKEN`. */
export function suggestedEnvName(path: Path): string {
  return path
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9_]/g, '_')
    .toUpperCase();
}

/** Why a secret field's text would be refused, for the field's error; undefined when it is fine. */
export function secretProblem(label: string, value: string | undefined, path: Path): string | undefined {
  if (value === undefined || value === '' || isEnvReference(value)) return undefined;
  return `${label} is a secret: write an environment reference such as \${${suggestedEnvName(path)}}, not the value itself`;
}

/**
 * Every secret holding plain text, so Save can refuse before the request in
 * either view. The server refuses it as well; this only says it sooner.
 */
export function secretProblems(fields: readonly Field[]): string[] {
  const problems: string[] = [];
  for (const field of fields) {
    if (field.kind === 'object') problems.push(...secretProblems(field.fields));
    else if (field.kind === 'string' && field.secret) {
      const problem = secretProblem(field.label, field.value, field.path);
      if (problem) problems.push(problem);
    } else if (field.kind === 'stringList' && field.secret) {
      field.value.forEach((item, i) => {
        const problem = secretProblem(`${field.label}[${i}]`, item, field.path);
        if (problem) problems.push(problem);
      });
    }
  }
  return problems;
}
