/**
 * RHDH's mount point conditions (`config.if`): `allOf`, `anyOf` or `oneOf`
 * lists of `isKind`, `isType` and `hasAnnotation` checks, evaluated against
 * the entity of the page. A string in the list names a condition function
 * exported by the plugin; those need the plugin's code, so they are returned
 * separately and evaluated once it has loaded.
 */
export interface EntityLike {
  kind: string;
  spec?: { type?: unknown } & Record<string, unknown>;
  metadata: { annotations?: Record<string, string> };
}

export interface ParsedCondition {
  /** The built-in checks, combined as the config says. */
  matches(entity: EntityLike): boolean;
  /** Names of exported condition functions (all must hold). */
  exported: string[];
}

type Check = (entity: EntityLike) => boolean;

function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(v => String(v).toLowerCase());
  return value === undefined || value === null ? [] : [String(value).toLowerCase()];
}

function parseCheck(item: unknown, exported: string[]): Check | undefined {
  if (typeof item === 'string') {
    exported.push(item);
    return undefined;
  }
  if (!item || typeof item !== 'object') throw new Error(`unknown condition ${JSON.stringify(item)}`);
  const checks: Check[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (key === 'isKind') {
      const kinds = list(value);
      checks.push(e => kinds.includes(e.kind.toLowerCase()));
    } else if (key === 'isType') {
      const types = list(value);
      checks.push(e => typeof e.spec?.type === 'string' && types.includes(e.spec.type.toLowerCase()));
    } else if (key === 'hasAnnotation') {
      const annotations = Array.isArray(value) ? value.map(String) : [String(value)];
      checks.push(e => annotations.every(a => Boolean(e.metadata.annotations?.[a])));
    } else {
      // An object naming an exported condition with no arguments, e.g. `{ isMyThing: {} }`.
      exported.push(key);
    }
  }
  return e => checks.every(check => check(e));
}

export function parseCondition(raw: unknown): ParsedCondition {
  const exported: string[] = [];
  if (raw === undefined || raw === null) return { matches: () => true, exported };
  if (typeof raw !== 'object') throw new Error(`config.if must be an object, got ${JSON.stringify(raw)}`);
  const combinators: Array<(e: EntityLike) => boolean> = [];
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const items = Array.isArray(value) ? value : [value];
    const checks = items.map(item => parseCheck(item, exported)).filter((c): c is Check => !!c);
    if (key === 'allOf') combinators.push(e => checks.every(c => c(e)));
    else if (key === 'anyOf') combinators.push(e => checks.length === 0 || checks.some(c => c(e)));
    else if (key === 'oneOf') combinators.push(e => checks.length === 0 || checks.filter(c => c(e)).length === 1);
    else throw new Error(`config.if: unknown key '${key}' (allOf, anyOf or oneOf)`);
  }
  return { matches: e => combinators.every(c => c(e)), exported };
}
