import fs from 'node:fs/promises';
import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, LineCounter, type Node, type YAMLMap } from 'yaml';
import { InstallError } from '../errors';

/** Where something was written, for error messages: `file:line:col`. */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

export function formatLocation(loc: SourceLocation): string {
  return `${loc.file}:${loc.line}:${loc.col}`;
}

export type PullPolicy = 'IfNotPresent' | 'Always';

/** One entry of a `plugins:` list, as written (keys not given stay undefined). */
export interface PluginEntry {
  package: string;
  integrity?: string;
  disabled?: boolean;
  enabled?: boolean;
  pluginConfig?: Record<string, unknown>;
  pullPolicy?: PullPolicy;
  forceDownload?: boolean;
  preInstalled?: boolean;
  /** Where the entry starts, and where each of its keys is. */
  location: SourceLocation;
  keyLocations: Record<string, SourceLocation>;
}

export interface PluginConfigFile {
  file: string;
  includes: Array<{ file: string; location: SourceLocation }>;
  plugins: PluginEntry[];
  /** Problems that do not stop the install (unknown keys, ...). */
  warnings: string[];
}

const ENTRY_KEYS = new Set([
  'package',
  'integrity',
  'disabled',
  'enabled',
  'pluginConfig',
  'pullPolicy',
  'forceDownload',
  'preInstalled',
]);
const BOOLEAN_KEYS = ['disabled', 'enabled', 'forceDownload', 'preInstalled'] as const;
const TOP_LEVEL_KEYS = new Set(['plugins', 'includes']);

/**
 * Reads a dynamic-plugins.yaml (or an included file). Every error names the
 * file, line and column of the offending key or value. A missing file is an
 * empty configuration only when `optional` (the top-level file, as in RHDH).
 */
export async function readPluginConfigFile(
  file: string,
  options: { optional?: boolean } = {},
): Promise<PluginConfigFile> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.optional) {
      return { file, includes: [], plugins: [], warnings: [] };
    }
    throw new InstallError(`${file}: cannot read the file (${code})`, 'CONFIG_UNREADABLE');
  }
  return parsePluginConfig(text, file);
}

export function parsePluginConfig(text: string, file: string): PluginConfigFile {
  const lineCounter = new LineCounter();
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (node: Node | null | undefined): SourceLocation => {
    const pos = lineCounter.linePos(node?.range?.[0] ?? 0);
    return { file, line: pos.line, col: pos.col };
  };
  const fail = (loc: SourceLocation, message: string): never => {
    throw new InstallError(`${formatLocation(loc)}: ${message}`, 'INVALID_CONFIG');
  };

  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const pos = lineCounter.linePos(error.pos[0]);
    fail({ file, line: pos.line, col: pos.col }, `invalid YAML: ${error.message.split('\n')[0]}`);
  }
  checkKeys(doc.contents, at, fail);
  const result: PluginConfigFile = { file, includes: [], plugins: [], warnings: [] };
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) {
    return result; // an empty file is an empty configuration
  }
  if (!isMap(root)) {
    fail(at(root), 'the file must be a mapping with `plugins` (and optionally `includes`)');
  }
  for (const pair of (root as YAMLMap).items) {
    const key = String((pair.key as any)?.value ?? pair.key);
    const value = pair.value as Node | null;
    const keyLoc = at(pair.key as Node);
    if (!TOP_LEVEL_KEYS.has(key)) {
      result.warnings.push(`${formatLocation(keyLoc)}: unknown top-level key '${key}' is ignored`);
      continue;
    }
    if (value === null || (isScalar(value) && value.value === null)) continue;
    if (!isSeq(value)) fail(at(value), `'${key}' must be a list`);
    if (key === 'includes') {
      for (const item of (value as any).items as Node[]) {
        if (!isScalar(item) || typeof item.value !== 'string' || item.value === '') {
          fail(at(item), `'includes' entries must be file paths`);
        }
        result.includes.push({
          file: path.resolve(path.dirname(file), (item as any).value),
          location: at(item),
        });
      }
    } else {
      ((value as any).items as Node[]).forEach((item, index) => {
        result.plugins.push(parseEntry(item, index, at, fail, result.warnings));
      });
    }
  }
  return result;
}

/**
 * Keys that would reach an object's prototype when the config is merged or
 * read by JavaScript (`__proto__`, `constructor`, `prototype`): refused
 * anywhere in the file, with the key's place.
 */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function checkKeys(
  root: Node | null | undefined,
  at: (node: Node | null | undefined) => SourceLocation,
  fail: (loc: SourceLocation, message: string) => never,
) {
  // A stack, not recursion: the nesting is not trusted.
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) {
          fail(at(pair.key as Node), `the key '${key}' is not allowed (it would reach the prototype of JavaScript objects)`);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      stack.push(...node.items);
    }
  }
}

function parseEntry(
  node: Node,
  index: number,
  at: (node: Node | null | undefined) => SourceLocation,
  fail: (loc: SourceLocation, message: string) => never,
  warnings: string[],
): PluginEntry {
  const entryLoc = at(node);
  if (!isMap(node)) fail(entryLoc, `plugins[${index}] must be a mapping with a 'package' key`);
  const keyLocations: Record<string, SourceLocation> = {};
  const values: Record<string, unknown> = {};
  for (const pair of (node as YAMLMap).items) {
    const key = String((pair.key as any)?.value ?? pair.key);
    const keyLoc = at(pair.key as Node);
    if (!ENTRY_KEYS.has(key)) {
      warnings.push(`${formatLocation(keyLoc)}: unknown key '${key}' in plugins[${index}] is ignored`);
      continue;
    }
    keyLocations[key] = keyLoc;
    values[key] = pair.value ? (pair.value as Node).toJSON() : null;
    if (key === 'pluginConfig' && values[key] === null) {
      delete values[key]; // `pluginConfig:` with nothing under it
      continue;
    }
    const valueLoc = pair.value ? at(pair.value as Node) : keyLoc;
    checkValue(key, values[key], valueLoc, index, fail);
  }
  if (values.package === undefined) fail(entryLoc, `plugins[${index}] has no 'package'`);
  return {
    ...(values as Omit<PluginEntry, 'location' | 'keyLocations'>),
    location: entryLoc,
    keyLocations,
  } as PluginEntry;
}

function checkValue(
  key: string,
  value: unknown,
  loc: SourceLocation,
  index: number,
  fail: (loc: SourceLocation, message: string) => never,
) {
  const where = `plugins[${index}].${key}`;
  if (key === 'package' && (typeof value !== 'string' || value.trim() === '')) {
    fail(loc, `${where} must be a non-empty string`);
  }
  if (key === 'integrity' && typeof value !== 'string') {
    fail(loc, `${where} must be a string like sha512-<base64>`);
  }
  if ((BOOLEAN_KEYS as readonly string[]).includes(key) && typeof value !== 'boolean') {
    fail(loc, `${where} must be true or false, not ${JSON.stringify(value)}`);
  }
  if (key === 'pullPolicy' && value !== 'IfNotPresent' && value !== 'Always') {
    fail(loc, `${where} must be IfNotPresent or Always, not ${JSON.stringify(value)}`);
  }
  if (
    key === 'pluginConfig' &&
    value !== null &&
    (typeof value !== 'object' || Array.isArray(value))
  ) {
    fail(loc, `${where} must be a mapping of app-config keys`);
  }
}
