/**
 * bench/frontend: what dynamic frontend plugins cost the home page.
 *
 * The home page is loaded cold (a fresh browser context: empty cache and
 * storage, guest sign-in) in Debian's chromium, with
 *   baseline: DevPortal's bundled plugins only (home and header), and
 *   +20:      the same plus 20 generated dynamic frontend plugins, each with
 *             a page and a sidebar item (none of them on the home page), in
 *             two flavours:
 *     nfs:    new-frontend-system plugins (the app adds stand-ins built from
 *             their extension manifests: nothing of theirs is fetched until
 *             their page opens);
 *     wired:  the same remotes wired by RHDH-style config (dynamicRoutes +
 *             menuItem: nothing of theirs is fetched until their page opens).
 * Per load: JavaScript bytes transferred (encoded body sizes of script
 * responses) before the home page's first render (the greeting is on
 * screen), and the time from navigation to that render. Variants alternate
 * within each run; medians of --runs. Targets: bytes ratio <= 1.05, time
 * ratio <= 1.10.
 *
 *   node bench/frontend/frontend.ts [--runs 5] [--plugins 20] [--json]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { stringify } from 'yaml';
import { startBackend, type StartedBackend } from '../../e2e/support/backend.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const TOKEN = 'benchplugin00';
const TARGETS = { bytes: 1.05, time: 1.1 };

const usage = `Usage: node bench/frontend/frontend.ts [options]

Loads the home page cold in Debian's chromium with DevPortal's bundled
plugins only and with N more generated dynamic frontend plugins (as
new-frontend-system plugins, and wired by RHDH-style config), and compares
the JavaScript bytes transferred before the first render of the home page
and the time to it (medians). Targets: bytes ratio <= ${TARGETS.bytes}, time ratio <= ${TARGETS.time}.

Options:
  --runs <n>      cold loads per variant (default 5)
  --plugins <n>   generated plugins (default 20, at most 99)
  --json          print the summary as JSON on stdout
  --keep          keep the work folder
  --help          this text

Progress goes to stderr. Needs the built portal (./devportal start builds it)
and /usr/bin/chromium (./devportal test installs it).`;

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    plugins: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const runs = Number(values.runs);
const pluginCount = Number(values.plugins);
if (!(runs >= 1) || !(pluginCount >= 1 && pluginCount <= 99)) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
const progress = (message: string) => process.stderr.write(`bench/frontend: ${message}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-frontend-'));

/** Builds the template once with the real export, then clones it N times under new names. */
function generatePlugins(): string[] {
  progress('exporting the template plugin (backstage-cli module federation build)');
  const out = JSON.parse(
    execFileSync(process.execPath, [cli, 'plugin', 'export', path.join(import.meta.dirname, 'template'), '--out', path.join(work, 'template'), '--json'], {
      encoding: 'utf8',
    }).trim().split('\n').pop()!,
  ).dir as string;
  const dirs: string[] = [];
  for (let i = 0; i < pluginCount; i++) {
    const name = `benchplugin${String(i).padStart(2, '0')}`;
    const dir = path.join(work, 'plugins', name);
    // Same-length renames: remote name, chunk-loading global, plugin id,
    // path and package name all carry the token.
    copyRenamed(out, dir, TOKEN, name);
    dirs.push(dir);
  }
  return dirs;
}

function copyRenamed(from: string, to: string, token: string, name: string) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name.replaceAll(token, name));
    if (entry.isDirectory()) copyRenamed(source, target, token, name);
    else fs.writeFileSync(target, fs.readFileSync(source, 'utf8').replaceAll(token, name));
  }
}

function wiringFor(dirs: string[]) {
  return Object.fromEntries(
    dirs.map(dir => {
      const name = path.basename(dir);
      return [
        `devportal-bench.plugin-${name}`,
        { dynamicRoutes: [{ path: `/${name}`, importName: 'BenchPage', menuItem: { icon: 'dashboard', text: name } }] },
      ];
    }),
  );
}

/** A dynamic plugins root with the bundled plugins and, optionally, the generated ones. */
function installRoot(variant: string, dirs: string[], wired: boolean): string {
  const configDir = path.join(work, `config-${variant}`);
  fs.mkdirSync(configDir, { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'dynamic-plugins'), path.join(configDir, 'dynamic-plugins'), 'dir');
  fs.copyFileSync(path.join(repoRoot, 'dynamic-plugins.yaml'), path.join(configDir, 'bundled.yaml'));
  const plugins = dirs.map(dir => ({ package: dir }));
  if (wired && plugins.length > 0) {
    (plugins[0] as any).pluginConfig = { dynamicPlugins: { frontend: wiringFor(dirs) } };
  }
  const configFile = path.join(configDir, 'dynamic-plugins.yaml');
  fs.writeFileSync(configFile, stringify({ includes: ['bundled.yaml'], plugins }));
  const root = path.join(work, `root-${variant}`);
  execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', configFile, '--root', root], { stdio: 'pipe' });
  return path.join(root, 'app-config.dynamic-plugins.yaml');
}

interface Load {
  jsBytes: number;
  ms: number;
  scripts: number;
}

async function coldLoad(browser: Browser, baseUrl: string): Promise<Load> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  // Sign in once in this context, so the measured load is the home page itself.
  await page.goto(baseUrl);
  await page.getByRole('button', { name: /enter/i }).click();
  await page.getByTestId('home-greeting').waitFor({ timeout: 60_000 });
  // Cold again: a new page in the signed-in context with the HTTP cache off.
  await page.close();
  const measured = await context.newPage();
  const cdp = await context.newCDPSession(measured);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  const bytes = new Map<string, number>();
  const isScript = new Set<string>();
  cdp.on('Network.responseReceived', event => {
    if (event.type === 'Script') isScript.add(event.requestId);
  });
  cdp.on('Network.loadingFinished', event => {
    if (isScript.has(event.requestId)) bytes.set(event.requestId, event.encodedDataLength);
  });
  const started = Date.now();
  await measured.goto(baseUrl);
  await measured.getByTestId('home-greeting').getByText(/, /).waitFor({ timeout: 60_000 });
  const ms = Date.now() - started;
  const jsBytes = [...bytes.values()].reduce((a, b) => a + b, 0);
  const count = bytes.size;
  await context.close();
  return { jsBytes, ms, scripts: count };
}

function median(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  const dirs = generatePlugins();
  progress(`generated ${dirs.length} plugins; installing three roots`);
  const variants = {
    baseline: installRoot('baseline', [], false),
    nfs: installRoot('nfs', dirs, false),
    wired: installRoot('wired', dirs, true),
  };
  const backends: Record<string, StartedBackend> = {};
  const browser = await chromium.launch({
    executablePath: process.env.DEVPORTAL_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    for (const [variant, config] of Object.entries(variants)) {
      progress(`starting the backend for ${variant}`);
      backends[variant] = await startBackend({ withBundledPlugins: false, configFiles: [config] });
      await coldLoad(browser, backends[variant].baseUrl); // warm the server side (first catalog queries)
    }
    const results: Record<string, Load[]> = { baseline: [], nfs: [], wired: [] };
    for (let run = 1; run <= runs; run++) {
      for (const variant of Object.keys(variants)) {
        const load = await coldLoad(browser, backends[variant].baseUrl);
        results[variant].push(load);
        progress(`run ${run}/${runs} ${variant}: ${(load.jsBytes / 1024).toFixed(0)} KiB JS in ${load.scripts} scripts, first render ${load.ms} ms`);
      }
    }
    const summary = Object.fromEntries(
      Object.entries(results).map(([variant, loads]) => [
        variant,
        { jsBytes: median(loads.map(l => l.jsBytes)), ms: median(loads.map(l => l.ms)), scripts: median(loads.map(l => l.scripts)) },
      ]),
    );
    const ratios = Object.fromEntries(
      ['nfs', 'wired'].map(variant => [
        variant,
        { bytes: summary[variant].jsBytes / summary.baseline.jsBytes, time: summary[variant].ms / summary.baseline.ms },
      ]),
    );
    const report = { runs, plugins: pluginCount, summary, ratios, targets: TARGETS };
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    } else {
      const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
      process.stdout.write(`bench/frontend: home page, cold, median of ${runs} (Debian chromium)\n`);
      for (const [variant, s] of Object.entries(summary)) {
        process.stdout.write(`  ${variant.padEnd(9)} ${kib(s.jsBytes).padStart(10)} JS (${s.scripts} scripts)  first render ${s.ms} ms\n`);
      }
      for (const [variant, r] of Object.entries(ratios)) {
        const ok = r.bytes <= TARGETS.bytes && r.time <= TARGETS.time ? 'meets' : 'misses';
        process.stdout.write(
          `  +${pluginCount} ${variant}: bytes ratio ${r.bytes.toFixed(3)} (target <= ${TARGETS.bytes}), time ratio ${r.time.toFixed(3)} (target <= ${TARGETS.time}): ${ok} the targets\n`,
        );
      }
    }
  } finally {
    await browser.close();
    await Promise.all(Object.values(backends).map(backend => backend.stop()));
    if (!values.keep) fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
