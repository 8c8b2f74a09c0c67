import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { loadConfigSchema } from '@backstage/config-loader';
import type { JsonObject, JsonValue } from '@backstage/config';

type ConfigSchema = Awaited<ReturnType<typeof loadConfigSchema>>;
/** Where a value sits in the config: object keys and array indexes. */
export type KeyPath = Array<string | number>;

/**
 * Where `schema` finds secrets in `data`, by Backstage's rule (its
 * `createConfigSecretEnumerator`): every string under a key the schema marks
 * `@visibility secret`. Paths, not values, so they can be kept on disk.
 */
export function secretPaths(schema: ConfigSchema, data: JsonObject): KeyPath[] {
  const [secrets] = schema.process([{ data, context: 'schema-enumerator' }], { visibility: ['secret'], ignoreSchemaErrors: true });
  const paths: KeyPath[] = [];
  collectStrings(secrets.data, [], paths);
  return paths;
}

function collectStrings(value: JsonValue | undefined, at: KeyPath, out: KeyPath[]) {
  if (typeof value === 'string') out.push(at);
  else if (Array.isArray(value)) value.forEach((item, i) => collectStrings(item, [...at, i], out));
  else if (value && typeof value === 'object') for (const [key, item] of Object.entries(value)) collectStrings(item, [...at, key], out);
}

/** The strings at `paths` in `data`: the values to redact. */
export function valuesAt(data: JsonObject, paths: KeyPath[]): Set<string> {
  const values = new Set<string>();
  for (const keys of paths) {
    let value: JsonValue | undefined = data;
    for (const key of keys) value = value && typeof value === 'object' ? (value as any)[key] : undefined;
    if (typeof value === 'string') values.add(value);
  }
  return values;
}

/** The config as a hash: the secret paths found for one config hold for that config only. */
export function configHash(data: JsonObject): string {
  return crypto.createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/**
 * The secret paths a backend of this supervisor found for the config that
 * hashes to `hash`, from `file` (in the supervisor's private folder), or
 * undefined: another config, no file yet, or a file this code cannot read.
 */
export function readSecretPaths(file: string, hash: string): KeyPath[] | undefined {
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (stored?.configHash !== hash || !Array.isArray(stored.paths)) return undefined;
    const valid = stored.paths.every((p: unknown) => Array.isArray(p) && p.every(k => typeof k === 'string' || typeof k === 'number'));
    return valid ? stored.paths : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the paths found for `hash`, whole or not at all (another generation may read it at any moment). */
export function writeSecretPaths(file: string, hash: string, paths: KeyPath[]): void {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}`);
  fs.writeFileSync(partial, JSON.stringify({ configHash: hash, paths }), { mode: 0o600 });
  fs.renameSync(partial, file);
}
