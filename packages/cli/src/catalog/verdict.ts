import type { CatalogKind } from '@devportal/plugin-dynamic-plugins-common';

/**
 * An entry's `smoke:` mapping: how the catalog build checks the plugin in a
 * real portal (docs/plugins/catalog-format.md).
 */
export interface SmokeSpec {
  /** Backend: a path the portal serves (with a guest token)... */
  get?: string;
  /** ...and a regular expression its answer body must match. */
  expect?: string;
  /** App-config added to the smoke portal for this plugin; `${SMOKE_BASE_URL}` is the portal's URL. */
  config?: Record<string, unknown>;
  /** Backend: the config key whose absence makes the plugin fail to start, cleanly, naming it. */
  needsConfig?: string;
  /** Frontend: the page opened in the browser... */
  page?: string;
  /** ...and a regular expression for the text its main element renders. */
  text?: string;
  /** Frontend: annotations the stub entity `component:default/catalog-smoke` gets. */
  annotations?: Record<string, string>;
  /** More catalog entities, served next to the stub entity (a URL location, so placeholders resolve). */
  entities?: Record<string, unknown>[];
  /** Files served next to the stub entities, by name (what those entities refer to). */
  files?: Record<string, string>;
}

export interface SmokeResult {
  result: 'pass' | 'fail' | 'not run';
  reason: string;
}

const KEYS = new Set(['get', 'expect', 'config', 'needsConfig', 'page', 'text', 'annotations', 'entities', 'files']);

/** Checks a raw `smoke:` mapping for an entry of this kind; the error is the table's reason. */
export function parseSmokeSpec(kind: CatalogKind, raw: Record<string, unknown> | undefined): { spec?: SmokeSpec; error?: string } {
  if (!raw) return { error: 'the entry has no smoke: test' };
  const unknown = Object.keys(raw).filter(k => !KEYS.has(k));
  if (unknown.length > 0) return { error: `smoke: unknown key ${unknown.join(', ')}` };
  const spec = raw as SmokeSpec;
  for (const key of ['get', 'expect', 'needsConfig', 'page', 'text'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'string') return { error: `smoke.${key}: must be a string` };
  }
  for (const key of ['expect', 'text'] as const) {
    if (spec[key] === undefined) continue;
    try {
      new RegExp(spec[key]!);
    } catch (error) {
      return { error: `smoke.${key}: ${(error as Error).message}` };
    }
  }
  if (spec.entities !== undefined && !(Array.isArray(spec.entities) && spec.entities.every(e => e && typeof e === 'object'))) {
    return { error: 'smoke.entities: must be a list of entities' };
  }
  if (spec.files !== undefined) {
    const bad = Object.entries(spec.files ?? {}).find(([name, content]) => !/^[a-z0-9][a-z0-9._-]*$/.test(name) || typeof content !== 'string');
    if (typeof spec.files !== 'object' || bad) return { error: `smoke.files: ${bad ? `${bad[0]}: ` : ''}must map plain file names to text` };
  }
  if (kind === 'frontend') {
    if (!spec.page?.startsWith('/') || !spec.text) return { error: 'smoke: a frontend entry needs page (a path) and text' };
  } else {
    if (!spec.needsConfig && !(spec.get && spec.expect)) return { error: 'smoke: a backend entry needs get and expect, or needsConfig' };
    if (spec.get !== undefined && !spec.get.startsWith('/')) return { error: 'smoke.get: must be a path starting with /' };
  }
  return { spec };
}

/** What the smoke portal saw of one backend plugin. */
export interface BackendObservation {
  /** From /api/dynamic-plugins/status; undefined when the loader does not list it. */
  state?: string;
  reason?: string;
  probe?: { status: number; body: string } | { error: string };
}

export function backendVerdict(spec: SmokeSpec, seen: BackendObservation): SmokeResult {
  if (!seen.state) return fail('not loaded: the portal does not list it in /api/dynamic-plugins/status');
  if (seen.state !== 'loaded') {
    if (spec.needsConfig && seen.reason?.includes(spec.needsConfig)) {
      return pass(`fails cleanly without config: needs ${spec.needsConfig} ("${clip(seen.reason, 160)}")`);
    }
    return fail(`${seen.state}: ${clip(seen.reason ?? 'no reason given', 300)}`);
  }
  if (!spec.get) return fail(`loaded, but it was expected to fail without ${spec.needsConfig}; nothing else to check`);
  const probe = seen.probe;
  if (!probe) return fail(`GET ${spec.get} was not tried`);
  if ('error' in probe) return fail(`GET ${spec.get}: ${clip(probe.error, 200)}`);
  const body = probe.body.replace(/\s+/g, ' ');
  if (probe.status >= 400) {
    if (spec.needsConfig && body.includes(spec.needsConfig)) return pass(`GET ${spec.get} answered ${probe.status}: needs config ${spec.needsConfig}`);
    return fail(`GET ${spec.get} answered ${probe.status}: ${clip(body, 200)}`);
  }
  if (!new RegExp(spec.expect!).test(probe.body)) return fail(`GET ${spec.get} answered ${probe.status} without /${spec.expect}/: ${clip(body, 200)}`);
  return pass(`GET ${spec.get} answered ${probe.status} with /${spec.expect}/`);
}

/** What the browser saw of one frontend plugin's page. */
export interface FrontendObservation {
  state?: string;
  reason?: string;
  /** Navigation or browser failure. */
  error?: string;
  /** The text of an error boundary or the loader's failure panel on the page. */
  boundary?: string;
  /** Whether `text` appeared in the page's main content. */
  found?: boolean;
  /** What the main content showed instead (for the reason). */
  shown?: string;
}

export function frontendVerdict(spec: SmokeSpec, seen: FrontendObservation): SmokeResult {
  if (!seen.state) return fail('not served: the portal does not list it in /api/dynamic-plugins/status');
  if (seen.state !== 'loaded') return fail(`${seen.state}: ${clip(seen.reason ?? 'no reason given', 300)}`);
  if (seen.error) return fail(`${spec.page}: ${clip(seen.error, 200)}`);
  if (seen.boundary) return fail(`${spec.page}: error boundary: ${clip(seen.boundary, 250)}`);
  if (!seen.found) return fail(`${spec.page}: no /${spec.text}/ within the time allowed; shown: ${clip(seen.shown ?? '', 200)}`);
  return pass(`${spec.page} rendered /${spec.text}/`);
}

const pass = (reason: string): SmokeResult => ({ result: 'pass', reason });
const fail = (reason: string): SmokeResult => ({ result: 'fail', reason });

function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
