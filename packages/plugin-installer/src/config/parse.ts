import path from 'node:path';
import YAML, { isMap, isScalar, isSeq, Lexer, LineCounter, type Document, type Node, type YAMLMap } from 'yaml';
import { InstallError } from '../errors';
import { DEFAULT_MAX_CONFIG_BYTES, readRegularFile } from '../files';
import { parseTrustPolicy, type TrustPolicy } from '../trust/policy';

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
  /** DevPortal's own key: the marketplace may not change this entry. */
  locked?: boolean;
  /** Set on entries a preset contributed (presets/expand.ts): which preset, and what it asked for. */
  preset?: PresetOrigin;
  /** Where the entry starts, and where each of its keys is. */
  location: SourceLocation;
  keyLocations: Record<string, SourceLocation>;
}

/** Where a preset's plugin came from; kept through layering, since overrides do not set it. */
export interface PresetOrigin {
  name: string;
  /** The catalog entry's id. */
  entry: string;
  package: string;
  integrity?: string;
  /** An upstream package that installs only once exported (the catalog's `needsExport`). */
  needsExport: boolean;
}

export interface PluginConfigFile {
  file: string;
  includes: Array<{ file: string; location: SourceLocation }>;
  /** `presets:` names, each with its place (presets/expand.ts turns them into entries). */
  presets: Array<{ name: string; location: SourceLocation }>;
  plugins: PluginEntry[];
  /** The `trust:` block (signature policy, `trust/policy.ts`), when the file has one. */
  trust?: TrustPolicy;
  /**
   * `presetsCatalog:`, as written (a published catalog list file, an `https://` URL
   * or an `oci://` RHDH catalog index image; presets/catalog.ts reads it).
   */
  presetsCatalog?: { value: string; location: SourceLocation };
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
  // DevPortal: the marketplace may not change a locked entry (the installer itself ignores it).
  'locked',
]);
const BOOLEAN_KEYS = ['disabled', 'enabled', 'forceDownload', 'preInstalled', 'locked'] as const;
const TOP_LEVEL_KEYS = new Set(['plugins', 'includes', 'trust', 'presets', 'presetsCatalog']);

export { DEFAULT_MAX_CONFIG_BYTES };
/** The most mapping keys in one config file. */
export const MAX_CONFIG_KEYS = 100_000;
/** The most list items in one config file. */
export const MAX_CONFIG_ITEMS = 100_000;
/** The deepest nesting of mappings and lists in one config file. */
export const MAX_CONFIG_DEPTH = 64;
/** yaml's `maxAliasCount`: bounds how much aliases may expand (billion laughs). */
export const MAX_ALIAS_COUNT = 100;

/**
 * Reads a dynamic-plugins.yaml (or an included file). Every error names the
 * file, line and column of the offending key or value. A missing file is an
 * empty configuration only when `optional` (the top-level file, as in RHDH).
 * Only a regular file of at most `maxBytes` is read: a FIFO, a device or a
 * folder is refused without waiting on it.
 */
export async function readPluginConfigFile(
  file: string,
  options: { optional?: boolean; maxBytes?: number } = {},
): Promise<PluginConfigFile> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  let text: string;
  try {
    text = (await readRegularFile(file, maxBytes, 'raise it with --max-config-size')).toString('utf8');
  } catch (error) {
    if (error instanceof InstallError) {
      throw new InstallError(error.message, error.code === 'FILE_TOO_LARGE' ? 'CONFIG_TOO_LARGE' : 'CONFIG_NOT_A_FILE');
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && options.optional) {
      return { file, includes: [], presets: [], plugins: [], warnings: [] };
    }
    throw new InstallError(`${file}: cannot read the file (${code})`, 'CONFIG_UNREADABLE');
  }
  return parsePluginConfig(text, file);
}

/**
 * Before the YAML is composed (whose cost grows with keys and nesting): the
 * lexer's tokens, counted. Exact counts come with positions in `checkKeys`.
 */
function preScan(text: string, file: string) {
  let keys = 0;
  let items = 0;
  const refuse = (reason: string): never => {
    throw new InstallError(`${file}: ${reason}; refusing to read it`, 'CONFIG_TOO_COMPLEX');
  };
  // The open flow collections: a list or a mapping, and whether the current
  // mapping entry has had its `:` (`{a, b}` has keys without one).
  const flow: Array<{ list: boolean; colon: boolean }> = [];
  for (const token of new Lexer().lex(text)) {
    const open = flow[flow.length - 1];
    if (token === ':' || token === '?') {
      keys++;
      if (open) open.colon = true;
    } else if (token === '-') {
      items++;
    } else if (token === ',') {
      if (open?.list) items++;
      else if (open && !open.colon) keys++;
      if (open) open.colon = false;
    } else if (token === '{' || token === '[') {
      flow.push({ list: token === '[', colon: false });
      if (flow.length > MAX_CONFIG_DEPTH) refuse(`nested more than ${MAX_CONFIG_DEPTH} levels deep`);
    } else if (token === '}' || token === ']') {
      flow.pop();
    } else {
      continue;
    }
    if (keys > MAX_CONFIG_KEYS) refuse(`more than ${MAX_CONFIG_KEYS} keys`);
    if (items > MAX_CONFIG_ITEMS) refuse(`more than ${MAX_CONFIG_ITEMS} list items`);
  }
}

export function parsePluginConfig(text: string, file: string): PluginConfigFile {
  preScan(text, file);
  const lineCounter = new LineCounter();
  // Unique keys are checked in `checkKeys` (yaml's own check is quadratic).
  const doc = YAML.parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
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
  const result: PluginConfigFile = { file, includes: [], presets: [], plugins: [], warnings: [] };
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
    if (key === 'trust') {
      result.trust = parseTrustPolicy(value, file, at, fail);
      continue;
    }
    if (key === 'presetsCatalog') {
      if (!isScalar(value) || typeof value.value !== 'string' || value.value.trim() === '') {
        fail(at(value), `presetsCatalog must be a path to a published catalog file, an https:// URL or an oci:// catalog index image`);
      }
      result.presetsCatalog = { value: String((value as any).value).trim(), location: at(value) };
      continue;
    }
    if (!isSeq(value)) fail(at(value), `'${key}' must be a list`);
    if (key === 'presets') {
      ((value as any).items as Node[]).forEach((item, index) => {
        if (!isScalar(item) || typeof item.value !== 'string' || item.value.trim() === '') {
          fail(at(item), `presets[${index}] must be a preset name (see ./devportal plugins presets)`);
        }
        result.presets.push({ name: String((item as any).value).trim(), location: at(item) });
      });
    } else if (key === 'includes') {
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
        result.plugins.push(parseEntry(doc, item, index, at, fail, result.warnings));
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

/** What `walkYamlNodes` found wrong, for the caller to word in its own errors. */
export type YamlNodeProblem =
  | { kind: 'too-deep' | 'too-many-items' | 'too-many-keys' }
  | { kind: 'prototype-key' | 'duplicate-key'; key: string };

/**
 * One walk over a composed YAML document, before any value is used: keys
 * are unique per mapping, none is a prototype key, and the document stays
 * within MAX_CONFIG_KEYS keys, MAX_CONFIG_ITEMS list items and
 * MAX_CONFIG_DEPTH levels of nesting. Aliases are not followed here (their
 * expansion is bounded by MAX_ALIAS_COUNT). Shared by dynamic-plugins.yaml
 * and the catalog's files, which word the problems differently.
 */
export function walkYamlNodes(root: unknown, report: (node: Node, problem: YamlNodeProblem) => never): void {
  // A stack, not recursion: the nesting is not trusted.
  const stack: Array<[unknown, number]> = [[root, 0]];
  let keys = 0;
  let items = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth >= MAX_CONFIG_DEPTH) report(node as Node, { kind: 'too-deep' });
    if (isSeq(node)) {
      items += node.items.length;
      if (items > MAX_CONFIG_ITEMS) report(node, { kind: 'too-many-items' });
      for (const item of node.items) stack.push([item, depth + 1]);
      continue;
    }
    const seen = new Set<unknown>();
    for (const pair of node.items) {
      const keyNode = pair.key as Node;
      if (++keys > MAX_CONFIG_KEYS) report(keyNode, { kind: 'too-many-keys' });
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === 'string' && FORBIDDEN_KEYS.has(key)) report(keyNode, { kind: 'prototype-key', key });
      // Only scalar (and empty) keys can repeat: a collection key is a node of its own.
      if (isScalar(pair.key) || pair.key === null) {
        if (seen.has(key)) report(keyNode, { kind: 'duplicate-key', key: String(key).slice(0, 100) });
        seen.add(key);
      }
      stack.push([pair.key, depth + 1], [pair.value, depth + 1]);
    }
  }
}

/** dynamic-plugins.yaml's wording of what `walkYamlNodes` finds, at `file:line:col`. */
function checkKeys(
  root: Node | null | undefined,
  at: (node: Node | null | undefined) => SourceLocation,
  fail: (loc: SourceLocation, message: string) => never,
) {
  walkYamlNodes(root, (node, problem) => {
    switch (problem.kind) {
      case 'too-deep':
        return fail(at(node), `nested more than ${MAX_CONFIG_DEPTH} levels deep`);
      case 'too-many-items':
        return fail(at(node), `more than ${MAX_CONFIG_ITEMS} list items`);
      case 'too-many-keys':
        return fail(at(node), `more than ${MAX_CONFIG_KEYS} keys`);
      case 'prototype-key':
        return fail(at(node), `the key '${problem.key}' is not allowed (it would reach the prototype of JavaScript objects)`);
      default:
        return fail(at(node), `invalid YAML: Map keys must be unique ('${problem.key}' twice)`);
    }
  });
}

function parseEntry(
  doc: Document,
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
    values[key] = pair.value ? toValue(doc, pair.value as Node, at, fail) : null;
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

/** A node as plain data, aliases resolved within MAX_ALIAS_COUNT. */
function toValue(
  doc: Document,
  node: Node,
  at: (node: Node | null | undefined) => SourceLocation,
  fail: (loc: SourceLocation, message: string) => never,
): unknown {
  try {
    return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    return fail(at(node), `aliases expand too much (more than yaml's maxAliasCount of ${MAX_ALIAS_COUNT}): ${error.message.split('\n')[0]}`);
  }
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
