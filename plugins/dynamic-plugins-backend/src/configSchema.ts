import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@backstage/config';
import type { ConfigSchema } from '@backstage/config-loader';
import type { JsonObject } from '@backstage/types';
import { fileSignature } from './fileSignature';

/** A plugin's config schemas as config-loader serializes them (`{ path, value }`). */
export type SerializedSchema = JsonObject;

/**
 * The JSON Schema RHDH's packaging writes next to a `dist-scalprum` remote,
 * compiled from the package's config.d.ts and its dependencies'. RHDH reads
 * this file, not config.d.ts.
 */
export const SCALPRUM_CONFIG_SCHEMA = path.join('dist-scalprum', 'configSchema.json');

/**
 * A plugin folder's config schema: `dist-scalprum/configSchema.json` when the
 * package ships one (many of those packages write config.d.ts as a module
 * augmentation of `@backstage/config`, which config-loader's TypeScript
 * compiler refuses with "does not export a Config type"), otherwise what its
 * package.json's `configSchema` names (JSON, or `config.d.ts` where
 * TypeScript is available). Throws when the schema cannot be read.
 */
export function loadPluginConfigSchema(folder: string): Promise<ConfigSchema> {
  const signature = folderSignature(folder);
  const cached = loadedSchemas.get(folder);
  if (cached && cached.signature === signature) return cached.schema;
  const schema = loadUncached(folder);
  const entry = { signature, schema };
  loadedSchemas.delete(folder);
  loadedSchemas.set(folder, entry);
  if (loadedSchemas.size > MAX_CACHED_SCHEMAS) loadedSchemas.delete(loadedSchemas.keys().next().value!);
  // A schema that could not be read is read again next time: the cause may pass.
  schema.catch(() => {
    if (loadedSchemas.get(folder) === entry) loadedSchemas.delete(folder);
  });
  return schema;
}

/**
 * Whether the folder has no schema to check against: no RHDH schema file and
 * no `configSchema` in its package.json (what config-loader would look for,
 * with the package's dependencies excluded). Most frontend plugins have
 * none; config-loader would still take several file reads to find that out,
 * each waiting its turn on a busy backend during a frontend-only apply.
 */
function declaresNoSchema(folder: string): boolean {
  if (fs.existsSync(path.join(folder, SCALPRUM_CONFIG_SCHEMA))) return false;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    return typeof pkg === 'object' && pkg !== null && !('configSchema' in pkg);
  } catch {
    return false; // config-loader reports what is wrong with it
  }
}

/**
 * Loaded (compiled) schemas by plugin folder. Loading one collects the
 * package's schema, may compile its config.d.ts with TypeScript, and always
 * compiles it with ajv: hundreds of milliseconds of CPU, which a frontend-only
 * apply paid for every frontend plugin when the remotes list was read again.
 * The installer never changes a plugin folder in place (an install moves a
 * new folder in), so the inode and time of its package.json, and of RHDH's
 * schema file, tell whether the folder is the one loaded.
 */
const loadedSchemas = new Map<string, { signature: string; schema: Promise<ConfigSchema> }>();
const MAX_CACHED_SCHEMAS = 200;

function folderSignature(folder: string): string {
  return [path.join(folder, 'package.json'), path.join(folder, SCALPRUM_CONFIG_SCHEMA)].map(fileSignature).join('|');
}

async function loadUncached(folder: string): Promise<ConfigSchema> {
  // Loaded on first use: a portal with no dynamic plugins never needs it.
  const { loadConfigSchema } = require('@backstage/config-loader') as typeof import('@backstage/config-loader');
  const scalprumSchema = path.join(folder, SCALPRUM_CONFIG_SCHEMA);
  if (fs.existsSync(scalprumSchema)) {
    let value: unknown;
    try {
      value = JSON.parse(fs.readFileSync(scalprumSchema, 'utf8'));
    } catch (error) {
      throw new Error(`${SCALPRUM_CONFIG_SCHEMA} is not JSON: ${(error as Error).message}`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new Error(`${SCALPRUM_CONFIG_SCHEMA} is not a JSON Schema object`);
    }
    return loadConfigSchema({
      serialized: { backstageConfigSchemaVersion: 1, schemas: [{ path: scalprumSchema, value: value as JsonObject }] },
    });
  }
  return loadConfigSchema({
    dependencies: [],
    packagePaths: [path.join(folder, 'package.json')],
    excludePackageDependencies: true,
  });
}

/**
 * Checks the portal's config against a dynamic plugin's own config schema
 * (see `loadPluginConfigSchema`). Returns the problem, naming the key; or,
 * when the config is valid (or the plugin declares no schema), the plugin's
 * schemas, so that the app can serve them without compiling them again.
 *
 * A schema that cannot be read is the problem by default. With
 * `unreadableSchema: 'warning'` (frontend plugins: RHDH serves them whatever
 * their config.d.ts says) the plugin passes with no schemas and a `warning`
 * for the caller to log: its config is not checked and none of its keys
 * reach the browser.
 */
export async function checkPluginConfig(
  folder: string,
  config: Config,
  options: { unreadableSchema?: 'problem' | 'warning' } = {},
): Promise<{ problem: string } | { schemas: SerializedSchema[]; warning?: string }> {
  if (declaresNoSchema(folder)) return { schemas: [] };
  let schema;
  try {
    schema = await loadPluginConfigSchema(folder);
  } catch (error) {
    const reason = `its config schema cannot be read: ${(error as Error).message.split('\n')[0]}`;
    if (options.unreadableSchema !== 'warning') return { problem: reason };
    return { schemas: [], warning: `${reason}; its config is not checked and none of its keys are visible to the browser` };
  }
  try {
    schema.process([{ data: config.get() as JsonObject, context: 'app-config' }]);
  } catch (error) {
    // "Config validation failed, Config must be number { type=number } at /a/b"
    const message = (error as Error).message.replace(/^Config validation failed,\s*/, '');
    return { problem: `invalid config: ${message.split('\n')[0]}` };
  }
  return { schemas: schema.serialize().schemas as SerializedSchema[] };
}
