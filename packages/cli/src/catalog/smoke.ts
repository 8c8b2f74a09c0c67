import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { stringify } from 'yaml';
import type { BuildOutcome } from './exportEntry';
import { poll, startSmokePortal, type SmokePortal } from './portal';
import { backendVerdict, parseSmokeSpec, type BackendObservation, type SmokeResult, type SmokeSpec } from './verdict';

export interface SmokeOptions {
  repoRoot: string;
  port: number;
  workDir: string;
  log(message: string): void;
}

/** The stub entity frontend pages are opened on: it carries every frontend entry's annotations. */
export const STUB_ENTITY = 'catalog-smoke';

interface Planned {
  outcome: BuildOutcome;
  spec: SmokeSpec;
}

/**
 * Smoke-tests every entry that built: one portal with all of them installed
 * (plus DevPortal's bundled plugins), backend entries probed over HTTP,
 * frontend entries opened in one Chromium session. Entries whose export
 * failed get no smoke result (the table shows the export's error).
 */
export async function runSmoke(outcomes: BuildOutcome[], options: SmokeOptions): Promise<Map<string, SmokeResult>> {
  const results = new Map<string, SmokeResult>();
  const planned: Planned[] = [];
  for (const outcome of outcomes) {
    if (!outcome.dir) continue;
    const { spec, error } = parseSmokeSpec(outcome.entry.kind, outcome.entry.smoke);
    if (error) results.set(outcome.entry.id, { result: 'fail', reason: error });
    else planned.push({ outcome, spec: spec! });
  }
  if (planned.length === 0) return results;

  const annotations: Record<string, string> = {};
  const files: Record<string, string> = {};
  const entities: Record<string, unknown>[] = [];
  for (const p of planned) {
    Object.assign(annotations, p.spec.annotations);
    Object.assign(files, p.spec.files);
    entities.push(...(p.spec.entities ?? []));
  }
  files[STUB_FILE] = stubEntities(annotations, entities);
  await fs.mkdir(options.workDir, { recursive: true });
  const fixtures = await serveFixtures(files);
  const extraConfig = smokeConfig(planned.map(p => p.spec.config ?? {}), fixtures.url);

  let portal: SmokePortal;
  try {
    portal = await startSmokePortal({
      repoRoot: options.repoRoot,
      workDir: path.join(options.workDir, 'portal'),
      firstPort: options.port,
      // Frontend entries get their default wiring; backend ones only the smoke config (their
      // defaultConfig refers to environment variables that are not set here).
      plugins: planned.map(p => ({ dir: p.outcome.dir!, pluginConfig: p.outcome.entry.kind === 'frontend' ? p.outcome.entry.defaultConfig : undefined })),
      extraConfig,
      log: options.log,
    });
  } catch (error) {
    const reason = `the smoke portal did not start: ${(error as Error).message.split('\n')[0].slice(0, 300)}`;
    for (const p of planned) results.set(p.outcome.entry.id, { result: 'fail', reason });
    return results;
  }
  try {
    const status = await fetchJson(`${portal.baseUrl}/api/dynamic-plugins/status`, portal.token);
    const byName = new Map<string, { state?: string; reason?: string }>((status.plugins ?? []).map((p: any) => [p.package, p]));
    const backends = planned.filter(p => p.outcome.entry.kind !== 'frontend');
    options.log(`smoke: probing ${backends.length} backend plugins`);
    await Promise.all(
      backends.map(async p => {
        const seen: BackendObservation = { ...byName.get(p.outcome.result!.name) };
        if (seen.state === 'loaded' && p.spec.get) seen.probe = await probe(portal, p.spec);
        const verdict = backendVerdict(p.spec, seen);
        results.set(p.outcome.entry.id, verdict);
        options.log(`  ${p.outcome.entry.id}: ${verdict.result}: ${verdict.reason}`);
      }),
    );
    const frontends = planned.filter(p => p.outcome.entry.kind === 'frontend');
    if (frontends.length > 0) {
      options.log(`smoke: opening ${frontends.length} frontend plugins in Chromium`);
      const { smokeFrontends } = await import('./smokeBrowser');
      try {
        const verdicts = await smokeFrontends(
          frontends.map(p => ({ id: p.outcome.entry.id, packageName: p.outcome.result!.name, spec: p.spec, status: byName.get(p.outcome.result!.name) })),
          { baseUrl: portal.baseUrl, repoRoot: options.repoRoot, log: options.log },
        );
        for (const [id, verdict] of verdicts) results.set(id, verdict);
      } catch (error) {
        // The session itself failed (no browser, no app): every frontend entry not yet judged says so.
        const reason = `the browser session failed: ${(error as Error).message.split('\n')[0].slice(0, 200)}`;
        for (const p of frontends) if (!results.has(p.outcome.entry.id)) results.set(p.outcome.entry.id, { result: 'fail', reason });
      }
    }
  } finally {
    await fs.writeFile(path.join(options.workDir, 'backend-output.log'), portal.logs()).catch(() => {});
    await portal.stop();
    fixtures.close();
  }
  return results;
}

const STUB_FILE = 'catalog-smoke.yaml';

/**
 * The stub entities and the files they refer to, over loopback HTTP: a URL
 * location, so that catalog placeholders (`$openapi: ./x.yaml`) resolve.
 */
async function serveFixtures(files: Record<string, string>): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    if (!Object.hasOwn(files, name)) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/yaml' }).end(files[name]);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/${STUB_FILE}`, close: () => server.close() };
}

/**
 * GETs the probe path until the answer matches (catalog processing and
 * scheduled registrations take a few seconds after readiness), at most 25 s;
 * the last answer is what the verdict judges.
 */
async function probe(portal: SmokePortal, spec: SmokeSpec): Promise<BackendObservation['probe']> {
  let last: BackendObservation['probe'];
  const expect = new RegExp(spec.expect!);
  try {
    await poll(25_000, async () => {
      try {
        const res = await fetch(`${portal.baseUrl}${spec.get}`, { headers: { authorization: `Bearer ${portal.token}` }, signal: AbortSignal.timeout(15_000) });
        // Whole bodies: the scaffolder's action list, with every schema, runs to megabytes.
        last = { status: res.status, body: (await res.text()).slice(0, 8 * 1024 * 1024) };
      } catch (error) {
        last = { error: (error as Error).message };
      }
      return 'status' in last && last.status < 400 && expect.test(last.body) ? true : undefined;
    }, 1000);
  } catch {
    // The last answer says why.
  }
  return last;
}

async function fetchJson(url: string, token: string): Promise<any> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res.json();
}

/**
 * The component the frontend pages render for (`scaffoldedFrom` for the
 * relation processor), then the entries' own entities, as one YAML stream.
 */
export function stubEntities(annotations: Record<string, string>, more: Record<string, unknown>[] = []): string {
  const component = {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name: STUB_ENTITY, description: 'A stub component for the catalog build smoke tests', annotations },
    spec: { type: 'service', lifecycle: 'production', owner: 'group:default/platform-admins', scaffoldedFrom: 'template:default/node-service' },
  };
  return [component, ...more].map(e => stringify(e)).join('---\n');
}

/** The smoke configs of all entries, merged, plus the catalog location of the stub entities. */
export function smokeConfig(configs: Record<string, unknown>[], stubUrl: string): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const config of configs) deepMerge(merged, config);
  deepMerge(merged, {
    catalog: {
      rules: [{ allow: ['Component', 'System', 'API', 'Resource', 'Location', 'Domain', 'User', 'Group', 'Template'] }],
      locations: [{ type: 'url', target: stubUrl }],
    },
    backend: { reading: { allow: [{ host: new URL(stubUrl).host }] } },
  });
  return merged;
}

export function deepMerge(into: Record<string, any>, from: Record<string, any>) {
  for (const [key, value] of Object.entries(from)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && into[key] && typeof into[key] === 'object' && !Array.isArray(into[key])) {
      deepMerge(into[key], value);
    } else {
      into[key] = value;
    }
  }
  return into;
}
