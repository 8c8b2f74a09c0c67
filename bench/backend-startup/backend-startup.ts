/**
 * bench/backend-startup: the cost of loading backend plugins dynamically.
 *
 * The same 10 backend plugins/modules are loaded
 *   (a) static:  compiled into the backend (a generated entry with the built
 *                backend's composition, minus the dynamic plugins loader, plus
 *                the 10 packages added with backend.add), and
 *   (b) dynamic: by the normal built backend, from a dynamic plugins root
 *                filled by `devportal-cli plugins install`.
 * Two baselines, same config, show where the time and memory go:
 *   baseline:      the static entry without the 10 plugins (no extra plugins, no loader);
 *   dynamic-empty: the normal built backend with an empty root (loader, no plugins).
 *
 * Per start: wall time from spawn to the first 200 on
 * /.backstage/health/v1/readiness (polled every 50 ms), then VmRSS of the
 * backend process after a settle delay. Variants alternate within each run;
 * medians of --runs. Targets: dynamic/static <= 1.10 for time and for RSS.
 *
 *   node bench/backend-startup/backend-startup.ts [--runs 5] [--json]
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { stringify } from 'yaml';
import { runtimeConfig } from '../../e2e/support/backend.ts';
import { freePort } from '../../e2e/support/ports.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const backendDir = path.join(repoRoot, '.devportal/backend/packages/backend');
const backendPkgJson = path.join(backendDir, 'package.json');
const backendBuiltEntry = path.join(backendDir, 'dist/index.cjs.js');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const LOADER_PACKAGE = '@devportal/plugin-dynamic-plugins-backend';
const TARGET = 1.1;
const STOP_GRACE_MS = 5000;

const usage = `Usage: node bench/backend-startup/backend-startup.ts [options]

Starts the DevPortal backend with the same 10 backend plugins/modules loaded
(a) statically (compiled into a generated backend entry) and (b) dynamically
(installed into a dynamic plugins root), plus two baselines, and compares
time to readiness and RSS after start (medians). Target: dynamic/static <= ${TARGET.toFixed(2)}.

Options:
  --runs <n>       measured starts per variant (default 5)
  --settle-ms <n>  wait after readiness before reading RSS (default 2000)
  --json           print the summary as JSON on stdout
  --keep           keep the work folder (bench/backend-startup/.work-XXXXXX)
  --help           this text

Progress goes to stderr. Needs Node 22, the built backend in
.devportal/backend (./devportal start builds it) and the exported plugins in
dynamic-plugins/dist and .devportal/tools/third-party/exported.`;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    'settle-ms': { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(values.runs);
const settleMs = Number(values['settle-ms']);
if (!Number.isInteger(runs) || runs < 1 || !Number.isFinite(settleMs) || settleMs < 0) {
  console.error(usage);
  process.exit(2);
}
const progress = (msg: string) => process.stderr.write(`backend-startup: ${msg}\n`);

// ---------------------------------------------------------------------------
// The 10 plugins

/** Exported dynamic packages shipped with the repository (6). */
const SHIPPED = [
  'dynamic-plugins/dist/devportal-plugin-portal-info-backend-dynamic',
  'dynamic-plugins/dist/devportal-plugin-catalog-backend-module-devportal-links-dynamic',
  'dynamic-plugins/dist/devportal-plugin-scaffolder-backend-module-devportal-dynamic',
  '.devportal/tools/third-party/exported/backstage-plugin-proxy-backend-dynamic',
  '.devportal/tools/third-party/exported/backstage-plugin-catalog-backend-module-openapi-dynamic',
  '.devportal/tools/third-party/exported/roadiehq-scaffolder-backend-module-utils-dynamic',
];
const GENERATED_COUNT = 4;
const PORTAL_INFO_CONFIG = {
  portalInfo: {
    links: [
      { title: 'Software catalog', url: '/catalog', icon: 'catalog' },
      { title: 'Create a component', url: '/create', icon: 'scaffolder' },
      { title: 'Documentation', url: '/docs', icon: 'docs' },
    ],
  },
};
/** Nothing listens on port 9 (discard): the proxy answers 5xx, not 404. */
const PROXY_CONFIG = { proxy: { endpoints: { '/bench': { target: 'http://127.0.0.1:9', credentials: 'dangerously-allow-unauthenticated' } } } };

/**
 * A simple backend plugin as plain CommonJS (like the e2e fixtures), with a
 * route, a little config and, for realism, some module code: a few library
 * files of small functions and tables.
 */
function generatePlugin(dir: string, index: number) {
  const name = `@bench/backend-plugin-${index}`;
  const pluginId = `bench-${index}`;
  fs.mkdirSync(path.join(dir, 'dist/lib'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify(
      {
        name,
        version: '1.0.0',
        main: 'dist/index.cjs.js',
        backstage: { role: 'backend-plugin', pluginId },
        peerDependencies: { '@backstage/backend-plugin-api': '^1.10.1' },
      },
      null,
      2,
    ),
  );
  const libs = 4;
  for (let l = 0; l < libs; l++) {
    const fns: string[] = [];
    for (let f = 0; f < 40; f++) {
      fns.push(`function op${f}(input) {
  const values = Array.isArray(input) ? input : [input];
  let acc = ${f};
  for (const v of values) acc = (acc * 31 + String(v).length + ${l}) % 1000003;
  return { op: 'lib${l}.op${f}', acc, label: TABLE[${f} % TABLE.length].label };
}
exports.op${f} = op${f};`);
    }
    const table = Array.from({ length: 50 }, (_, i) => ({ id: i, label: `plugin-${index}-lib-${l}-entry-${i}`, weight: (i * 7 + l) % 13 }));
    fs.writeFileSync(
      path.join(dir, `dist/lib/lib${l}.cjs.js`),
      `'use strict';\nconst TABLE = ${JSON.stringify(table)};\nexports.TABLE = TABLE;\n${fns.join('\n')}\n`,
    );
  }
  fs.writeFileSync(
    path.join(dir, 'dist/index.cjs.js'),
    `'use strict';
const { createBackendPlugin, coreServices } = require('@backstage/backend-plugin-api');
const express = require('express');
const libs = [${Array.from({ length: libs }, (_, l) => `require('./lib/lib${l}.cjs.js')`).join(', ')}];

exports.default = createBackendPlugin({
  pluginId: ${JSON.stringify(pluginId)},
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, config: coreServices.rootConfig, logger: coreServices.logger },
      async init({ httpRouter, config, logger }) {
        const greeting = config.getOptionalString(${JSON.stringify(`benchPlugins.${pluginId}.greeting`)}) ?? 'hello';
        const router = express.Router();
        router.get('/hello', (req, res) => res.json({ plugin: ${JSON.stringify(name)}, greeting }));
        router.get('/ops/:lib/:op', (req, res) => {
          const fn = libs[Number(req.params.lib)]?.['op' + req.params.op];
          if (!fn) return res.status(404).json({ error: 'no such op' });
          return res.json(fn(String(req.query.input ?? '').split(',')));
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/hello', allow: 'unauthenticated' });
        logger.info(${JSON.stringify(`${name} ready`)});
      },
    });
  },
});
`,
  );
  return { dir, name, pluginId };
}

// ---------------------------------------------------------------------------
// Backend entries

/** The `backend.add(import('…'))` packages of the built backend, in order. */
function builtComposition(): string[] {
  const source = fs.readFileSync(backendBuiltEntry, 'utf8');
  const names = [...source.matchAll(/backend\.add\(import\((['"])([^'"]+)\1\)\)/g)].map(m => m[2]);
  if (!names.includes(LOADER_PACKAGE) || names.length < 10) {
    throw new Error(`unexpected composition in ${backendBuiltEntry}: ${names.join(', ')}`);
  }
  return names;
}

/**
 * A CommonJS backend entry doing what packages/backend/src/index.ts does,
 * without the dynamic plugins loader, plus `plugins` compiled in. Packages
 * resolve as from the built backend (checked by `checkSameResolution`).
 */
function writeStaticEntry(file: string, core: string[], plugins: Array<{ name: string; folder: string }>) {
  const lines = [
    `'use strict';`,
    `// Generated by bench/backend-startup/backend-startup.ts: the built backend's`,
    `// composition without ${LOADER_PACKAGE}${plugins.length ? `, plus ${plugins.length} plugins added statically` : ''}.`,
    `const { createRequire } = require('node:module');`,
    `const hostRequire = createRequire(${JSON.stringify(backendPkgJson)});`,
    `const { createBackend } = hostRequire('@backstage/backend-defaults');`,
    ``,
    `const backend = createBackend();`,
    ...core.filter(n => n !== LOADER_PACKAGE).map(n => `backend.add(import(${JSON.stringify(n)}));`),
  ];
  if (plugins.length) {
    lines.push(
      ``,
      `// What a package exports, by the dynamic loader's own rule.`,
      `const { featuresOf: features } = hostRequire('@devportal/plugin-dynamic-plugins-node');`,
      `const requireMs = {};`,
      `for (const [name, folder] of ${JSON.stringify(plugins.map(p => [p.name, p.folder]), null, 2)}) {`,
      `  const started = performance.now();`,
      `  const mod = require(folder);`,
      `  requireMs[name] = Math.round((performance.now() - started) * 10) / 10;`,
      `  for (const feature of features(mod)) backend.add(feature);`,
      `}`,
      `process.stderr.write('[bench] require-ms ' + JSON.stringify(requireMs) + '\\n');`,
    );
  }
  lines.push(
    ``,
    `backend.start().catch(error => {`,
    `  process.stderr.write(\`DevPortal backend failed to start: \${error?.message ?? error}\\n\`);`,
    `  process.exit(1);`,
    `});`,
    ``,
  );
  fs.writeFileSync(file, lines.join('\n'));
}

/** The generated entry must see the same package copies as the built backend. */
function checkSameResolution(entry: string, names: string[]) {
  const fromBuilt = createRequire(backendPkgJson);
  const fromEntry = createRequire(entry);
  for (const name of ['@backstage/backend-defaults', '@backstage/backend-plugin-api', 'express', ...names]) {
    const a = fromBuilt.resolve(name);
    const b = fromEntry.resolve(name);
    if (a !== b) throw new Error(`${name} resolves differently from the static entry (${b}) and the built backend (${a})`);
  }
}

// ---------------------------------------------------------------------------
// Starting and measuring

interface Variant {
  key: 'baseline' | 'static' | 'dynamic' | 'dynamicEmpty';
  label: string;
  entry: string;
  /** Config files after app-config.yaml, before the per-start runtime config. */
  configFiles: string[];
}

interface Sample {
  readyMs: number;
  rssMiB: number;
  /** Per-plugin require time in the static entry, ms. */
  requireMs?: Record<string, number>;
  /** Per-package init time reported by the dynamic loader, ms. */
  initMs?: Record<string, number>;
}

const running = new Set<ChildProcess>();
let work = '';

function cleanupSync() {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  if (work && !values.keep) fs.rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanupSync);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanupSync();
    process.exit(130);
  });
}

/** GET without keep-alive (a pooled connection would delay the backend's shutdown). */
function get(url: string, headers: Record<string, string> = {}, timeoutMs = 2000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers, timeout: timeoutMs }, res => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', d => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function vmRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)\s*kB/.exec(status)![1]) / 1024;
}

let startCounter = 0;

/**
 * Starts one backend, measures it, checks that the plugins it should have
 * answer (and those it should not have do not), stops it.
 */
async function measure(variant: Variant, expect: Expectations): Promise<Sample> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = path.join(work, 'data', `${variant.key}-${++startCounter}`);
  fs.mkdirSync(path.join(dataDir, 'scaffolder'), { recursive: true });
  const runtimeFile = path.join(dataDir, 'app-config.runtime.yaml');
  const runtime = runtimeConfig(baseUrl, port, dataDir);
  runtime.backend.database = { client: 'better-sqlite3', connection: ':memory:' };
  fs.writeFileSync(runtimeFile, stringify(runtime));
  const configs = [path.join(repoRoot, 'app-config.yaml'), ...variant.configFiles, runtimeFile];
  const args = [variant.entry, ...configs.flatMap(c => ['--config', c])];

  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  let output = '';
  const collect = (d: Buffer) => {
    output += d;
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);

  try {
    const deadline = started + 180_000;
    let readyMs: number | undefined;
    while (readyMs === undefined) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(`${variant.label} backend exited (${child.exitCode ?? child.signalCode}) before ready:\n${output.slice(-4000)}`);
      }
      if (performance.now() > deadline) throw new Error(`${variant.label} backend not ready within 180 s:\n${output.slice(-4000)}`);
      try {
        const res = await get(`${baseUrl}/.backstage/health/v1/readiness`, {}, 1000);
        if (res.status === 200) readyMs = performance.now() - started;
      } catch {
        // not listening yet
      }
      if (readyMs === undefined) await sleep(50);
    }
    await sleep(settleMs);
    const rssMiB = vmRssMiB(child.pid!);
    const sample: Sample = { readyMs, rssMiB };

    const requireLine = /\[bench\] require-ms (\{.*\})/.exec(output);
    if (requireLine) sample.requireMs = JSON.parse(requireLine[1]);
    await verify(variant, baseUrl, expect, sample, () => output);
    return sample;
  } finally {
    // Not measured. A graceful stop can take about a minute (the events bus
    // long-poll requests keep the HTTP server open), so SIGKILL after a short
    // grace: the data is in memory or in the start's own folder.
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    running.delete(child);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

interface Expectations {
  generated: Array<{ name: string; pluginId: string }>;
  packageNames: string[];
}

async function guestToken(baseUrl: string): Promise<string> {
  const res = await get(`${baseUrl}/api/auth/guest/refresh`, { 'x-requested-with': 'XMLHttpRequest' });
  if (res.status !== 200) throw new Error(`guest sign-in failed: ${res.status} ${res.body}`);
  return JSON.parse(res.body).backstageIdentity.token;
}

/** After the measurement: are the 10 plugins there (or absent, for the baselines)? */
async function verify(variant: Variant, baseUrl: string, expect: Expectations, sample: Sample, logs: () => string) {
  const withPlugins = variant.key === 'static' || variant.key === 'dynamic';
  const problems: string[] = [];
  const token = await guestToken(baseUrl);
  const auth = { authorization: `Bearer ${token}` };
  for (const g of expect.generated) {
    const { status } = await get(`${baseUrl}/api/${g.pluginId}/hello`);
    if (withPlugins !== (status === 200)) problems.push(`${g.name}: /api/${g.pluginId}/hello answered ${status}`);
  }
  const routes = [
    ['@devportal/plugin-portal-info-backend', '/api/portal-info/links'],
    ['@backstage/plugin-proxy-backend', '/api/proxy/bench'],
  ];
  for (const [name, route] of routes) {
    const { status } = await get(`${baseUrl}${route}`, auth, 10_000);
    if (withPlugins !== (status !== 404)) problems.push(`${name}: ${route} answered ${status}`);
  }
  const actions = await get(`${baseUrl}/api/scaffolder/v2/actions`, auth, 10_000);
  for (const id of ['devportal:publish:local', 'roadiehq:utils:fs:write']) {
    if (withPlugins !== actions.body.includes(`"${id}"`)) problems.push(`scaffolder action ${id} ${withPlugins ? 'missing' : 'present'}`);
  }
  if (variant.key === 'dynamic' || variant.key === 'dynamicEmpty') {
    const res = await get(`${baseUrl}/api/dynamic-plugins/status`, auth);
    if (res.status !== 200) {
      problems.push(`dynamic plugin status answered ${res.status}`);
    } else {
      const plugins: Array<{ package: string; state: string; reason?: string; initMs?: number }> = JSON.parse(res.body).plugins;
      if (variant.key === 'dynamic') {
        for (const name of expect.packageNames) {
          const p = plugins.find(x => x.package === name);
          if (p?.state !== 'loaded') problems.push(`${name}: dynamic state ${p?.state ?? 'absent'} ${p?.reason ?? ''}`);
        }
        sample.initMs = Object.fromEntries(plugins.map(p => [p.package, p.initMs ?? NaN]));
      } else if (plugins.length) {
        problems.push(`empty root lists ${plugins.length} plugins`);
      }
    }
  } else if ((await get(`${baseUrl}/api/dynamic-plugins/status`, auth)).status !== 404) {
    problems.push('the dynamic plugins loader is in a static entry');
  }
  if (withPlugins && variant.key === 'static' && !sample.requireMs) problems.push('no require timings from the static entry');
  if (problems.length) {
    throw new Error(`${variant.label}: plugins not as expected:\n  ${problems.join('\n  ')}\n--- backend output ---\n${logs().slice(-3000)}`);
  }
}

// ---------------------------------------------------------------------------

/**
 * Module loading alone, outside a backend: in a fresh `node --expose-gc`,
 * require the backend's core packages, then each of the 10 plugins; time and
 * RSS after a full GC for each step. Shows the plugins' own footprint without
 * the start's noise (GC timing, catalog processing).
 */
function writeProbe(file: string, core: string[], plugins: Array<{ name: string; folder: string }>) {
  fs.writeFileSync(
    file,
    `'use strict';
const { createRequire } = require('node:module');
const hostRequire = createRequire(${JSON.stringify(backendPkgJson)});
const rss = () => { global.gc(); global.gc(); return process.memoryUsage().rss / 1048576; };
const r0 = rss();
let t = performance.now();
hostRequire('@backstage/backend-defaults');
for (const name of ${JSON.stringify(core.filter(n => n !== LOADER_PACKAGE))}) hostRequire(name);
const coreRequireMs = performance.now() - t;
const r1 = rss();
const perPlugin = {};
let pluginsRequireMs = 0;
for (const [name, folder] of ${JSON.stringify(plugins.map(p => [p.name, p.folder]))}) {
  const before = rss();
  t = performance.now();
  require(folder);
  const ms = performance.now() - t;
  pluginsRequireMs += ms;
  perPlugin[name] = { ms, rssMiB: rss() - before };
}
const r2 = rss();
process.stdout.write(JSON.stringify({ nodeRssMiB: r0, coreRequireMs, coreRssMiB: r1 - r0, pluginsRequireMs, pluginsRssMiB: r2 - r1, perPlugin }));
`,
  );
}

interface Probe {
  nodeRssMiB: number;
  coreRequireMs: number;
  coreRssMiB: number;
  pluginsRequireMs: number;
  pluginsRssMiB: number;
  perPlugin: Record<string, { ms: number; rssMiB: number }>;
}

function runProbe(file: string): Probe {
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', file], { cwd: repoRoot, env: { ...process.env, NODE_ENV: 'production' }, encoding: 'utf8' }));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const medianBy = (samples: Sample[], key: 'readyMs' | 'rssMiB') => median(samples.map(s => s[key]));
/** Per-key medians of per-start records. */
function medianRecord(records: Array<Record<string, number> | undefined>): Record<string, number> {
  const keys = new Set(records.flatMap(r => Object.keys(r ?? {})));
  return Object.fromEntries([...keys].map(k => [k, median(records.map(r => r?.[k]).filter((v): v is number => Number.isFinite(v)))]));
}

async function main() {
  for (const f of [backendBuiltEntry, cli, ...SHIPPED.map(s => path.join(repoRoot, s, 'package.json'))]) {
    if (!fs.existsSync(f)) throw new Error(`missing ${f} (build the backend and export the plugins first, e.g. ./devportal start)`);
  }
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 22) throw new Error(`Node 22 needed (this is ${process.version})`);

  work = fs.mkdtempSync(path.join(import.meta.dirname, '.work-'));
  progress(`work folder ${path.relative(repoRoot, work)}`);

  // The 10 plugins: 6 shipped exported packages + 4 generated.
  const generated = Array.from({ length: GENERATED_COUNT }, (_, i) => generatePlugin(path.join(work, 'sources', `bench-backend-plugin-${i + 1}`), i + 1));
  const sources = [...SHIPPED.map(s => path.join(repoRoot, s)), ...generated.map(g => g.dir)];
  const pluginConfigFor = (dir: string): Record<string, unknown> | undefined => {
    if (dir.endsWith('portal-info-backend-dynamic')) return PORTAL_INFO_CONFIG;
    if (dir.endsWith('proxy-backend-dynamic')) return PROXY_CONFIG;
    const g = generated.find(x => x.dir === dir);
    if (g) return { benchPlugins: { [g.pluginId]: { greeting: `hello from ${g.name}` } } };
    return undefined;
  };

  // (b) dynamic: install the 10 with the real installer.
  const dynamicRoot = path.join(work, 'dynamic-plugins-root');
  const emptyRoot = path.join(work, 'empty-dynamic-plugins-root');
  const dynamicYaml = path.join(work, 'dynamic-plugins.yaml');
  fs.writeFileSync(
    dynamicYaml,
    stringify({ plugins: sources.map(dir => ({ package: dir, ...(pluginConfigFor(dir) ? { pluginConfig: pluginConfigFor(dir) } : {}) })) }),
  );
  const emptyYaml = path.join(work, 'dynamic-plugins.empty.yaml');
  fs.writeFileSync(emptyYaml, 'plugins: []\n');
  progress(`installing ${sources.length} plugins into ${path.relative(repoRoot, dynamicRoot)}`);
  for (const [config, root] of [[dynamicYaml, dynamicRoot], [emptyYaml, emptyRoot]]) {
    execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', config, '--root', root], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const state = JSON.parse(fs.readFileSync(path.join(dynamicRoot, INSTALLER_STATE_FILE), 'utf8'));
  const installed: Array<{ folder: string; name: string }> = Object.values(state.plugins);
  if (installed.length !== sources.length) throw new Error(`installer installed ${installed.length} of ${sources.length} plugins`);

  // (a) static: the installed folders, copied out of the root (the same files),
  // added by a generated entry. Under /work/main, so their requires reach the
  // host's node_modules like the built backend's do.
  const staticPlugins = installed.map(p => {
    const folder = path.join(work, 'static-plugins', p.folder);
    fs.cpSync(path.join(dynamicRoot, p.folder), folder, { recursive: true });
    return { name: p.name, folder };
  });
  const core = builtComposition();
  const staticEntry = path.join(work, 'entries/static.cjs');
  const baselineEntry = path.join(work, 'entries/baseline.cjs');
  fs.mkdirSync(path.dirname(staticEntry), { recursive: true });
  writeStaticEntry(staticEntry, core, staticPlugins);
  writeStaticEntry(baselineEntry, core, []);
  checkSameResolution(staticEntry, core);
  const probeFile = path.join(work, 'entries/probe.cjs');
  writeProbe(probeFile, core, staticPlugins);

  // Same config everywhere: the root's app-config carries the plugins' config
  // (proxy endpoint, portal-info links, ...). The static entries have no loader,
  // so its dynamicPlugins.rootDirectory is unused there.
  const rootConfig = path.join(dynamicRoot, 'app-config.dynamic-plugins.yaml');
  const variants: Variant[] = [
    { key: 'static', label: 'static', entry: staticEntry, configFiles: [rootConfig] },
    { key: 'dynamic', label: 'dynamic', entry: backendDir, configFiles: [rootConfig] },
    { key: 'baseline', label: 'baseline (no extra plugins)', entry: baselineEntry, configFiles: [rootConfig] },
    {
      key: 'dynamicEmpty',
      label: 'dynamic, empty root',
      entry: backendDir,
      configFiles: [rootConfig, path.join(emptyRoot, 'app-config.dynamic-plugins.yaml')],
    },
  ];
  const expect: Expectations = { generated, packageNames: installed.map(p => p.name) };

  progress('warm-up: one start of each variant (file cache), not measured');
  for (const v of variants) await measure(v, expect);

  const loadBefore = os.loadavg()[0];
  const samples: Record<Variant['key'], Sample[]> = { baseline: [], static: [], dynamic: [], dynamicEmpty: [] };
  for (let i = 0; i < runs; i++) {
    // Alternate the order so that no variant always runs first or last.
    const order = i % 2 === 0 ? variants : [...variants].reverse();
    for (const v of order) {
      const s = await measure(v, expect);
      samples[v.key].push(s);
      progress(`run ${i + 1}/${runs} ${v.label.padEnd(28)} ready ${(s.readyMs / 1000).toFixed(2)} s  RSS ${s.rssMiB.toFixed(0)} MiB`);
    }
  }

  progress(`module-loading probe, ${runs}x`);
  const probes = Array.from({ length: runs }, () => runProbe(probeFile));
  const probe = {
    coreRequireMs: median(probes.map(p => p.coreRequireMs)),
    coreRssMiB: median(probes.map(p => p.coreRssMiB)),
    pluginsRequireMs: median(probes.map(p => p.pluginsRequireMs)),
    pluginsRssMiB: median(probes.map(p => p.pluginsRssMiB)),
    perPluginRequireMs: medianRecord(probes.map(p => Object.fromEntries(Object.entries(p.perPlugin).map(([k, v]) => [k, v.ms])))),
    perPluginRssMiB: medianRecord(probes.map(p => Object.fromEntries(Object.entries(p.perPlugin).map(([k, v]) => [k, v.rssMiB])))),
  };

  const m = Object.fromEntries(
    (Object.keys(samples) as Variant['key'][]).map(k => [k, { readyMs: medianBy(samples[k], 'readyMs'), rssMiB: medianBy(samples[k], 'rssMiB') }]),
  ) as Record<Variant['key'], { readyMs: number; rssMiB: number }>;
  const requireMs = medianRecord(samples.static.map(s => s.requireMs));
  const initMs = medianRecord(samples.dynamic.map(s => s.initMs));
  const timeRatio = m.dynamic.readyMs / m.static.readyMs;
  const rssRatio = m.dynamic.rssMiB / m.static.rssMiB;
  const breakdown = {
    readyMs: {
      pluginsThemselves: m.static.readyMs - m.baseline.readyMs,
      dynamicOverTotal: m.dynamic.readyMs - m.static.readyMs,
      loaderWithEmptyRoot: m.dynamicEmpty.readyMs - m.baseline.readyMs,
    },
    rssMiB: {
      pluginsThemselves: m.static.rssMiB - m.baseline.rssMiB,
      dynamicOverTotal: m.dynamic.rssMiB - m.static.rssMiB,
      loaderWithEmptyRoot: m.dynamicEmpty.rssMiB - m.baseline.rssMiB,
    },
  };
  const result = {
    runs,
    settleMs,
    node: process.version,
    plugins: installed.map(p => p.name),
    medians: m,
    ratios: { readyTime: timeRatio, rss: rssRatio },
    target: TARGET,
    pass: { readyTime: timeRatio <= TARGET, rss: rssRatio <= TARGET },
    breakdown,
    staticRequireMs: requireMs,
    dynamicInitMs: initMs,
    moduleLoadingProbe: probe,
    samples,
    load: [loadBefore, os.loadavg()[0]],
  };

  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return;
  }
  const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const mib = (x: number) => `${x.toFixed(0)} MiB`;
  const signed = (x: number, unit: (v: number) => string) => `${x >= 0 ? '+' : '-'}${unit(Math.abs(x))}`;
  const verdict = (ok: boolean) => (ok ? 'ok' : 'ABOVE TARGET');
  const range = (xs: number[], unit: (v: number) => string) => `${unit(Math.min(...xs))}..${unit(Math.max(...xs))}`;
  const top = (rec: Record<string, number>, n = 3) =>
    Object.entries(rec)
      .filter(([, v]) => Number.isFinite(v))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
      .join(', ');
  const sum = (rec: Record<string, number>) => Object.values(rec).filter(Number.isFinite).reduce((a, b) => a + b, 0);
  const row = (label: string, k: Variant['key']) =>
    `  ${label.padEnd(24)}${sec(m[k].readyMs).padStart(9)}  (${range(samples[k].map(x => x.readyMs), sec)})` +
    `${mib(m[k].rssMiB).padStart(10)}  (${range(samples[k].map(x => x.rssMiB), mib)})`;
  const b = breakdown;
  console.log(`backend startup, ${installed.length} backend plugins/modules, median of ${runs} starts (${process.version}, RSS ${settleMs} ms after ready)`);
  console.log(`  ${''.padEnd(24)}time to ready (min..max)           RSS (min..max)`);
  console.log(row('baseline (no plugins)', 'baseline'));
  console.log(row('dynamic, empty root', 'dynamicEmpty'));
  console.log(row('(a) static', 'static'));
  console.log(row('(b) dynamic', 'dynamic'));
  console.log(`ratio dynamic/static, time to ready: ${timeRatio.toFixed(3)}  (target <= ${TARGET.toFixed(2)}: ${verdict(result.pass.readyTime)})`);
  console.log(`ratio dynamic/static, RSS:           ${rssRatio.toFixed(3)}  (target <= ${TARGET.toFixed(2)}: ${verdict(result.pass.rss)})`);
  console.log(
    `what dominates: the backend's own start (baseline ${sec(m.baseline.readyMs)}, ${mib(m.baseline.rssMiB)}); ` +
      `the 10 plugins add ${signed(b.readyMs.pluginsThemselves, sec)} / ${signed(b.rssMiB.pluginsThemselves, mib)} statically, ` +
      `loading them dynamically ${signed(b.readyMs.dynamicOverTotal, sec)} / ${signed(b.rssMiB.dynamicOverTotal, mib)} more ` +
      `(the loader alone, empty root vs baseline: ${signed(b.readyMs.loaderWithEmptyRoot, sec)} / ${signed(b.rssMiB.loaderWithEmptyRoot, mib)})`,
  );
  console.log(`  static: requiring the 10 packages took ${sum(requireMs).toFixed(0)} ms (largest: ${top(requireMs)})`);
  console.log(`  dynamic: the plugins' init took ${sum(initMs).toFixed(0)} ms in total (largest: ${top(initMs)})`);
  const topMiB = Object.entries(probe.perPluginRssMiB).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([k, v]) => `${k} ${v.toFixed(1)} MiB`).join(', ');
  console.log(
    `  module loading alone (probe, RSS after GC): backend core ${probe.coreRequireMs.toFixed(0)} ms / +${probe.coreRssMiB.toFixed(0)} MiB; ` +
      `the 10 plugins ${probe.pluginsRequireMs.toFixed(0)} ms / +${probe.pluginsRssMiB.toFixed(1)} MiB (largest: ${topMiB})`,
  );
  console.log(`  machine load (1 min) during the runs: ${result.load.map(l => l.toFixed(1)).join(' -> ')} on ${os.cpus().length} CPUs${Math.max(...result.load) > os.cpus().length ? ' (busy: expect noise)' : ''}`);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`backend-startup: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
} finally {
  cleanupSync();
  work = '';
}
