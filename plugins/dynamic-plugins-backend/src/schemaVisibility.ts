import type { JsonObject, JsonValue } from '@backstage/types';
import type { SerializedSchema } from './configSchema';

/**
 * What a dynamic plugin's config schema may make visible to the browser.
 *
 * The app-backend injects every config value whose schema says
 * `visibility: frontend` into the `index.html` it serves to anyone. A
 * plugin's schema is written by whoever published the plugin, so it may only
 * decide the visibility of the plugin's OWN config keys: the top-level
 * properties its schema declares, minus the reserved keys below and every
 * top-level key the app bundle's own schema declares (`app`, `backend`,
 * `catalog`, `homepage`, …: the app's schema alone decides those). Under a
 * reserved key, and at the root of the schema (which would cover every key),
 * a plugin's `visibility`/`deepVisibility` annotations are removed, so the
 * value stays backend-only unless the app's schema says otherwise. Types are
 * kept: the schema still validates.
 *
 * On its own keys a `visibility: frontend` is also removed when any schema
 * (the app's or any plugin's) marks the same key, or a key above or below a
 * `deepVisibility: frontend`, as `secret`: secret wins.
 *
 * `$ref`s are the way a schema reaches config through another path, so:
 * - a plugin's `definitions`/`$defs` are renamed with a prefix of its own,
 *   because config-loader merges all schemas into one and a definition named
 *   like one of the app's would otherwise be merged into the app's (and
 *   applied where the app refers to it);
 * - a `$ref` must point into the plugin's own definitions; any other one
 *   (`#/properties/...`, another schema's `$id`, a URL) is removed, and so is
 *   `$id`;
 * - a definition referred to from a reserved key loses its frontend
 *   annotations everywhere it is used; a recursive one is treated as covering
 *   everything below the place it recurses.
 * Anything the walk below does not understand (a keyword it does not know)
 * loses its frontend annotations: when in doubt, backend-only.
 */

/**
 * Portal and Backstage-core keys no dynamic plugin may expose, whether or not
 * the app's schema declares them. `proxy`: the proxy backend declares it and
 * keeps doing so (its config is validated against its untouched schema at
 * load, configSchema.ts), but its headers hold tokens.
 */
export const RESERVED_CONFIG_KEYS: readonly string[] = [
  'app',
  'backend',
  'auth',
  'permission',
  'devportal',
  'dynamicPlugins',
  'integrations',
  'catalog',
  'scaffolder',
  'techdocs',
  'search',
  'proxy',
];

export interface PluginSchemas {
  /** The plugin's package name, for the log. */
  package: string;
  schemas: SerializedSchema[];
}

export interface DroppedVisibility {
  plugin: string;
  /** The config key, `backend.auth.externalAccess[].options.token`. */
  path: string;
  reason: string;
}

/** Any array index (`items`) and any object key (`additionalProperties`, `patternProperties`). */
const ITEM = Symbol('item');
const ANY_KEY = Symbol('any key');
type Segment = string | typeof ITEM | typeof ANY_KEY;

/** Where an annotated schema node applies: at `path`, or (deep) at and below it. */
interface Site {
  path: Segment[];
  deep: boolean;
}

/** Keywords whose values are data, not schemas: never walked or edited. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords whose schema applies to the same config value. */
const SAME_PATH_KEYWORDS = ['not', 'if', 'then', 'else', 'propertyNames'];
const SAME_PATH_ARRAYS = ['allOf', 'anyOf', 'oneOf'];
/** A plugin schema larger than this (in visited nodes) keeps no frontend key. */
const VISIT_BUDGET = 200_000;

/**
 * Returns the schemas to hand to the app-backend: the app's, unchanged, then
 * each plugin's with what it may not make visible removed; and what was
 * removed, per plugin.
 */
export function restrictPluginVisibility(
  appSchemas: SerializedSchema[],
  plugins: PluginSchemas[],
): { schemas: SerializedSchema[]; dropped: DroppedVisibility[] } {
  const reserved = new Set([...RESERVED_CONFIG_KEYS, ...appSchemas.flatMap(s => topLevelKeys(schemaValue(s)))]);
  const dropped: DroppedVisibility[] = [];
  const appDefs = appDefinitions(appSchemas);
  const secrets: Site[] = appSchemas.flatMap(s => new Walk(schemaValue(s), appDefs, () => true).secrets);

  const walked: Array<{ plugin: string; schema: SerializedSchema; walk: Walk }> = [];
  plugins.forEach(plugin => {
    plugin.schemas.forEach(schema => {
      const value = structuredClone(schemaValue(schema));
      const prefix = `dynamicPlugin${walked.length}-`;
      const definitions = renameDefinitions(value, prefix);
      const refs = rewriteRefs(value, prefix, definitions);
      for (const ref of refs.removed) dropped.push({ plugin: plugin.package, path: `$ref ${ref}`, reason: 'a $ref outside its own definitions is removed' });
      const walk = new Walk(value, definitions, key => reserved.has(key));
      secrets.push(...walk.secrets);
      walked.push({ plugin: plugin.package, schema: { ...schema, value }, walk });
    });
  });

  for (const { plugin, schema, walk } of walked) {
    forEachSchemaNode(schema.value as JsonObject, node => {
      if (node.visibility !== 'frontend' && node.deepVisibility !== 'frontend') return;
      const sites = walk.frontend.get(node) ?? [];
      let reason: string | undefined;
      if (walk.overBudget) reason = 'its schema is too large to check';
      else if (walk.reservedNodes.has(node)) reason = 'not its own config key';
      else if (sites.length === 0) reason = 'not reached as config (unknown keyword or unused definition)';
      else if (sites.some(site => secrets.some(secret => overlaps(site, secret)))) reason = 'a schema marks it secret';
      if (!reason) return;
      if (node.visibility === 'frontend') delete node.visibility;
      if (node.deepVisibility === 'frontend') delete node.deepVisibility;
      const where = walk.reservedNodes.get(node) ?? sites[0]?.path;
      const path = where ? formatPath(where) : '(unreached)';
      dropped.push({ plugin, path, reason });
    });
  }
  return { schemas: [...appSchemas, ...walked.map(w => w.schema)], dropped };
}

function schemaValue(schema: SerializedSchema): JsonObject {
  const value = schema.value;
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The keys a schema declares at its top level, through its root combinators too. */
function topLevelKeys(schema: JsonObject): string[] {
  const keys = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  for (const keyword of SAME_PATH_ARRAYS) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) keys.push(...branches.filter(isObject).flatMap(topLevelKeys));
  }
  return keys;
}

/** The app's definitions by name; config-loader merges same-named ones, so a name may have several. */
function appDefinitions(appSchemas: SerializedSchema[]): Map<string, JsonObject[]> {
  const byName = new Map<string, JsonObject[]>();
  for (const schema of appSchemas) {
    for (const container of ['definitions', '$defs']) {
      const defs = schemaValue(schema)[container];
      if (!isObject(defs)) continue;
      for (const [name, def] of Object.entries(defs)) {
        if (isObject(def)) byName.set(`${container}/${name}`, [...(byName.get(`${container}/${name}`) ?? []), def]);
      }
    }
  }
  return byName;
}

/** Renames a plugin schema's root definitions to `<prefix><name>`; returns them by `<container>/<new name>`. */
function renameDefinitions(schema: JsonObject, prefix: string): Map<string, JsonObject[]> {
  const byName = new Map<string, JsonObject[]>();
  for (const container of ['definitions', '$defs']) {
    const defs = schema[container];
    if (!isObject(defs)) continue;
    const renamed: JsonObject = {};
    for (const [name, def] of Object.entries(defs)) {
      renamed[prefix + name] = def;
      if (isObject(def)) byName.set(`${container}/${prefix}${name}`, [def]);
    }
    schema[container] = renamed;
  }
  return byName;
}

/**
 * Points a plugin's `$ref`s at its renamed definitions and removes every
 * other `$ref`, and every `$id` (which another schema could refer to).
 */
function rewriteRefs(schema: JsonObject, prefix: string, definitions: Map<string, JsonObject[]>): { removed: string[] } {
  const removed: string[] = [];
  forEachSchemaNode(schema, node => {
    if (typeof node.$id === 'string') delete node.$id;
    const ref = node.$ref;
    if (typeof ref !== 'string') return;
    const match = /^#\/(definitions|\$defs)\/([^/]+)(\/.*)?$/.exec(ref);
    if (match && definitions.has(`${match[1]}/${prefix}${decodePointerSegment(match[2])}`)) {
      // The prefix is made of URI- and pointer-safe characters, so the
      // encoded rest of the reference stays as it was.
      node.$ref = `#/${match[1]}/${prefix}${match[2]}${match[3] ?? ''}`;
    } else {
      removed.push(ref);
      delete node.$ref;
    }
  });
  return { removed };
}

function decodePointerSegment(segment: string): string {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // not percent-encoded: used as written
  }
  return decoded.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** Calls `visit` for every schema object in `schema`, skipping data keywords (`enum`, `default`, …). */
function forEachSchemaNode(schema: JsonObject, visit: (node: JsonObject) => void) {
  const seen = new Set<JsonObject>();
  const walk = (value: JsonValue | undefined) => {
    if (Array.isArray(value)) {
      value.forEach(walk);
    } else if (isObject(value) && !seen.has(value)) {
      seen.add(value);
      visit(value);
      for (const [key, child] of Object.entries(value)) {
        if (!DATA_KEYWORDS.has(key)) walk(child);
      }
    }
  };
  walk(schema);
}

/**
 * Follows a schema the way the validator applies it to config, recording
 * for each node with a visibility annotation the config paths it applies
 * to, and which nodes apply under a reserved key (or at the root).
 */
class Walk {
  /** Frontend-annotated nodes in own keys, with where they apply. */
  readonly frontend = new Map<JsonObject, Site[]>();
  /** Nodes that apply at the root or under a reserved key, with the first such place. */
  readonly reservedNodes = new Map<JsonObject, Segment[]>();
  /** Where secrets are, each taken as covering everything below it. */
  readonly secrets: Site[] = [];
  overBudget = false;
  private visits = 0;

  constructor(
    root: JsonObject,
    private readonly definitions: Map<string, JsonObject[]>,
    private readonly isReserved: (key: string) => boolean,
  ) {
    this.node(root, [], true, [], undefined);
  }

  /**
   * `refs`: the definitions being expanded above this node; `recursion`: set
   * once a definition refers back to itself, from then on every node is
   * taken to apply at and below `path` (and each definition is walked once).
   */
  private node(schema: JsonObject, path: Segment[], reserved: boolean, refs: string[], recursion: Set<string> | undefined) {
    if (++this.visits > VISIT_BUDGET) {
      this.overBudget = true;
      return;
    }
    const site: Site = { path, deep: recursion !== undefined };
    if (reserved) {
      if (!this.reservedNodes.has(schema)) this.reservedNodes.set(schema, path);
    } else if (schema.visibility === 'frontend' || schema.deepVisibility === 'frontend') {
      this.frontend.set(schema, [...(this.frontend.get(schema) ?? []), { ...site, deep: site.deep || schema.deepVisibility === 'frontend' }]);
    }
    if (schema.visibility === 'secret' || schema.deepVisibility === 'secret') this.secrets.push({ path, deep: true });

    const child = (value: JsonValue | undefined, segment: Segment | undefined, childReserved = reserved) => {
      if (!isObject(value)) return;
      const childPath: Segment[] = segment === undefined || recursion ? path : [...path, segment];
      this.node(value, childPath, childReserved, refs, recursion);
    };
    // At the root, a key decides; below it, the key it is under already did.
    const atRoot = path.length === 0 && !recursion;
    if (isObject(schema.properties)) {
      for (const [key, value] of Object.entries(schema.properties)) child(value, key, atRoot ? this.isReserved(key) : reserved);
    }
    // A pattern or "any other key" at the root could be a reserved key.
    if (isObject(schema.patternProperties)) {
      for (const value of Object.values(schema.patternProperties)) child(value, ANY_KEY, atRoot || reserved);
    }
    child(schema.additionalProperties, ANY_KEY, atRoot || reserved);
    if (isObject(schema.dependencies)) {
      for (const value of Object.values(schema.dependencies)) child(value, undefined);
    }
    for (const keyword of ['items', 'additionalItems', 'contains']) {
      const value = schema[keyword];
      if (Array.isArray(value)) value.forEach(item => child(item, ITEM));
      else child(value, ITEM);
    }
    for (const keyword of SAME_PATH_KEYWORDS) child(schema[keyword], undefined);
    for (const keyword of SAME_PATH_ARRAYS) {
      const branches = schema[keyword];
      if (Array.isArray(branches)) branches.forEach(branch => child(branch, undefined));
    }
    if (typeof schema.$ref === 'string') this.ref(schema.$ref, path, reserved, refs, recursion);
  }

  private ref(ref: string, path: Segment[], reserved: boolean, refs: string[], recursion: Set<string> | undefined) {
    const match = /^#\/(definitions|\$defs)\/([^/]+)(\/.*)?$/.exec(ref);
    if (!match) return; // plugin refs elsewhere were removed; the app's are the app's
    const targets = (this.definitions.get(`${match[1]}/${decodePointerSegment(match[2])}`) ?? [])
      .map(def => resolvePointer(def, match[3]))
      .filter(isObject);
    if (recursion) {
      if (recursion.has(ref)) return;
      recursion.add(ref);
      for (const target of targets) this.node(target, path, reserved, refs, recursion);
    } else if (refs.includes(ref)) {
      // It recurses: what it holds may apply at any depth below here.
      for (const target of targets) this.node(target, path, reserved, refs, new Set([ref]));
    } else {
      for (const target of targets) this.node(target, path, reserved, [...refs, ref], undefined);
    }
  }
}

function resolvePointer(root: JsonObject, pointer: string | undefined): JsonValue | undefined {
  let value: JsonValue | undefined = root;
  for (const segment of (pointer ?? '').split('/').slice(1)) {
    const key = decodePointerSegment(segment);
    if (Array.isArray(value)) value = value[Number(key)];
    else if (isObject(value)) value = value[key];
    else return undefined;
  }
  return value;
}

function compatible(a: Segment, b: Segment): boolean {
  return a === b || typeof a !== 'string' || typeof b !== 'string';
}

/** Whether `path` is `prefix` or below it, for some config that matches both. */
function covers(prefix: Segment[], path: Segment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => compatible(segment, path[i]));
}

/** Whether a frontend site may show a value a secret site hides. */
function overlaps(frontend: Site, secret: Site): boolean {
  return covers(secret.path, frontend.path) || (frontend.deep && covers(frontend.path, secret.path));
}

function formatPath(path: Segment[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>((text, segment) => {
    if (segment === ITEM) return `${text}[]`;
    const key = segment === ANY_KEY ? '*' : segment;
    return text ? `${text}.${key}` : key;
  }, '');
}
