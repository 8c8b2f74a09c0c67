import YAML, { isMap, isScalar, isSeq, Lexer, LineCounter, type Document, type Node, type YAMLMap } from 'yaml';
import { MAX_ALIAS_COUNT, MAX_CONFIG_DEPTH, MAX_CONFIG_ITEMS, MAX_CONFIG_KEYS, walkYamlNodes } from '../config/parse';

/**
 * Catalog files are untrusted (a URL, an image someone else built), so they
 * are read within the same limits as `dynamic-plugins.yaml` (the installer's
 * MAX_CONFIG_* constants): bounded keys, list items, nesting and alias
 * expansion, unique keys, and no key that reaches an object's prototype.
 * Unlike the installer's config reader, a problem is not the end of the
 * file: it is one line naming `file:line: key`, and the caller skips only
 * the entry or file it belongs to.
 */
export class CatalogFileError extends Error {}

export interface ParsedYaml {
  file: string;
  documents: Document.Parsed[];
  line(node: Node | null | undefined): number;
  /** A CatalogFileError naming the file, the node's line and the key path. */
  error(node: Node | null | undefined, key: string, message: string): CatalogFileError;
}

/** Parses every document of a YAML text; throws CatalogFileError for anything outside the limits. */
export function parseCatalogYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const line = (node: Node | null | undefined) => lineCounter.linePos(node?.range?.[0] ?? 0).line;
  const error = (node: Node | null | undefined, key: string, message: string) =>
    new CatalogFileError(`${file}:${line(node)}: ${key ? `${printable(key)}: ` : ''}${message}`);
  checkFlowDepth(text, file);
  // Unique keys are checked in the walk below, with the key's line.
  const documents = YAML.parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  if (!Array.isArray(documents)) throw new CatalogFileError(`${file}:1: invalid YAML`);
  for (const doc of documents) {
    const first = doc.errors[0];
    if (first) {
      throw new CatalogFileError(`${file}:${lineCounter.linePos(first.pos[0]).line}: invalid YAML: ${first.message.split('\n')[0]}`);
    }
    walk(doc.contents, error);
  }
  return { file, documents, line, error };
}

/**
 * Flow collections (`[[[[…`) nest without indentation, so their depth is
 * counted from the lexer's tokens before the composer recurses into them.
 */
function checkFlowDepth(text: string, file: string) {
  let depth = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '{' || token === '[') depth++;
    else if (token === '}' || token === ']') depth--;
    if (depth > MAX_CONFIG_DEPTH) throw new CatalogFileError(`${file}:1: nested more than ${MAX_CONFIG_DEPTH} levels deep`);
  }
}

/** The catalog's wording of what the installer's own walk (`walkYamlNodes`) finds. */
function walk(root: unknown, error: ParsedYaml['error']) {
  walkYamlNodes(root, (node, problem) => {
    switch (problem.kind) {
      case 'too-deep':
        throw error(node, '', `nested more than ${MAX_CONFIG_DEPTH} levels deep`);
      case 'too-many-items':
        throw error(node, '', `more than ${MAX_CONFIG_ITEMS} list items`);
      case 'too-many-keys':
        throw error(node, '', `more than ${MAX_CONFIG_KEYS} keys`);
      case 'prototype-key':
        throw error(node, problem.key, 'this key is not allowed (it would reach the prototype of JavaScript objects)');
      default:
        throw error(node, problem.key, 'the key appears twice in one mapping');
    }
  });
}

/** A node as plain data, aliases expanded within the installer's MAX_ALIAS_COUNT. */
export function toData(yaml: ParsedYaml, doc: Document, node: Node, key: string): unknown {
  try {
    return node.toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
  } catch (cause) {
    if (!(cause instanceof ReferenceError)) throw cause;
    throw yaml.error(node, key, `aliases expand too much (more than ${MAX_ALIAS_COUNT})`);
  }
}

/**
 * Typed access to the keys of one mapping, each failure naming the key's
 * line and its dotted path (`versions[0].integrity`).
 */
export class MapReader {
  constructor(
    readonly yaml: ParsedYaml,
    readonly doc: Document,
    readonly node: YAMLMap,
    readonly path = '',
  ) {}

  static of(yaml: ParsedYaml, doc: Document, node: unknown, path: string, what: string): MapReader {
    if (!isMap(node)) throw yaml.error(node as Node, path, `must be a mapping (${what})`);
    return new MapReader(yaml, doc, node, path);
  }

  keys(): string[] {
    return this.node.items.map(pair => String(isScalar(pair.key) ? pair.key.value : pair.key));
  }

  keyPath(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  private pair(key: string) {
    return this.node.items.find(p => (isScalar(p.key) ? p.key.value : p.key) === key);
  }

  /** The value node of `key`, undefined when absent or null. */
  valueNode(key: string): Node | undefined {
    const value = this.pair(key)?.value as Node | null | undefined;
    if (!value || (isScalar(value) && value.value === null)) return undefined;
    return value;
  }

  fail(key: string, message: string): never {
    const pair = this.pair(key);
    throw this.yaml.error((pair?.key as Node) ?? this.node, this.keyPath(key), message);
  }

  value(key: string): unknown {
    const node = this.valueNode(key);
    return node === undefined ? undefined : toData(this.yaml, this.doc, node, this.keyPath(key));
  }

  string(key: string, options: { required?: boolean; max?: number; pattern?: RegExp; hint?: string } = {}): string | undefined {
    const value = this.value(key);
    if (value === undefined) {
      if (options.required) this.fail(key, 'is required');
      return undefined;
    }
    if (typeof value !== 'string') {
      this.fail(key, `must be a string, not ${describe(value)}${typeof value === 'number' ? ' (quote it)' : ''}`);
    }
    if (options.required && value.trim() === '') this.fail(key, 'must not be empty');
    if (value.length > (options.max ?? 200)) this.fail(key, `is longer than ${options.max ?? 200} characters`);
    if (options.pattern && !options.pattern.test(value)) this.fail(key, `${JSON.stringify(value.slice(0, 100))} ${options.hint ?? `must match ${options.pattern}`}`);
    return value;
  }

  strings(key: string, options: { pattern?: RegExp; hint?: string; max?: number } = {}): string[] | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some(v => typeof v !== 'string' || v === '' || v.length > (options.max ?? 200))) {
      this.fail(key, 'must be a list of non-empty strings');
    }
    const bad = options.pattern ? (value as string[]).find(v => !options.pattern!.test(v)) : undefined;
    if (bad !== undefined) this.fail(key, `${JSON.stringify(bad.slice(0, 100))} ${options.hint ?? `must match ${options.pattern}`}`);
    return value as string[];
  }

  /** A mapping of plain data (e.g. `defaultConfig`). */
  record(key: string): Record<string, unknown> | undefined {
    const value = this.value(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(key, 'must be a mapping');
    return value as Record<string, unknown>;
  }

  map(key: string): MapReader | undefined {
    const node = this.valueNode(key);
    if (node === undefined) return undefined;
    if (!isMap(node)) this.fail(key, 'must be a mapping');
    return new MapReader(this.yaml, this.doc, node as YAMLMap, this.keyPath(key));
  }

  list(key: string): Node[] | undefined {
    const node = this.valueNode(key);
    if (node === undefined) return undefined;
    if (!isSeq(node)) this.fail(key, 'must be a list');
    return (node as any).items as Node[];
  }
}

/** A key as it can be shown on one line: quoted when it holds control or non-ASCII characters, cut at 100. */
export function printable(key: string): string {
  const cut = key.length > 100 ? `${key.slice(0, 100)}…` : key;
  return /^[\x20-\x7e]*$/.test(cut) ? cut : JSON.stringify(cut);
}

/** Catalog files are UTF-8; anything else is refused rather than read with replacement characters. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CatalogFileError(`${file}: not valid UTF-8`);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'binary data';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 60)}`;
}
