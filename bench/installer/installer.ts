/**
 * bench/installer: our installer against the raw cost of the same bytes, in one run.
 *
 * Fixtures (generated, not measured): 20 npm plugin packages of ~1 MB with
 * ~120 files each in a local verdaccio, and one OCI image holding 10 plugins
 * in a local docker-registry.
 *
 * Measured, median of --runs (default 3), each run in this order:
 *   cli start:     `devportal-cli plugins install --help` (Node's start and the CLI's load)
 *   raw download:  plain HTTP GETs of the same bytes from the same registries
 *                  (each npm package's abbreviated metadata and tarball, the
 *                  image manifest and its layers), 8 at a time like the
 *                  install, bodies read and dropped
 *   raw + extract: the same GETs written to files, then `tar -xzf` of each
 *                  (8 at a time): the bound the 1.5x target is set against
 *   cold:          `devportal-cli plugins install --concurrency 8` into an empty root
 *   unchanged:     the same command again (tarball requests counted in verdaccio's log)
 *   naive (--naive only): sequential `npm pack` + `tar -x` per npm package,
 *                  `skopeo copy` + `tar -x` per OCI plugin
 * Printed: each time, cold / raw download, cold / (raw + extract) (target
 * <= 1.5) and the unchanged time (target < 0.09 s through ./devportal; this
 * runs devportal-cli directly, without the wrapper's bash start).
 *
 *   node bench/installer/installer.ts [--runs 3] [--naive] [--json] [--cpu-prof DIR]
 *
 * Not part of any test suite: it needs verdaccio (`./devportal test
 * --setup-only`) and docker-registry, and its numbers depend on the machine.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { repoRoot } from '../../e2e/support/backend.ts';
import { startRegistry } from '../../e2e/support/registry.ts';
import { startVerdaccio } from '../../e2e/support/verdaccio.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    naive: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of each cold install into this folder (node --cpu-prof).
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: node bench/installer/installer.ts [--runs N] [--naive] [--json] [--cpu-prof DIR]');
  process.exit(0);
}
const runs = Number(values.runs);
const progress = (msg: string) => !values.json && process.stderr.write(`installer bench: ${msg}\n`);
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const NPM_PLUGINS = 20;
const OCI_PLUGINS = 10;
const CONCURRENCY = 8;
const execFileAsync = promisify(execFile);

/** ~1 MB over ~120 files: sources, maps and a few assets, like a bundled plugin. */
function pluginFiles(seed: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < 120; i++) {
    const kind = i % 3 === 0 ? 'js.map' : 'js';
    const size = 4_000 + ((i * 7919) % 9_000);
    // Half random text (incompressible), half repeated code (compressible), as in real bundles.
    const noise = crypto.createHash('sha512').update(`${seed}-${i}`).digest('base64');
    let body = '';
    while (body.length < size / 2) body += noise;
    body += 'export function component(props) { return props.children; }\n'.repeat(Math.ceil(size / 2 / 60));
    files[`dist/chunk-${i}.${kind}`] = body;
  }
  return files;
}

async function timeIt(fn: () => unknown): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `fn` over `items`, `limit` at a time. */
async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await fn(items[index], index);
      }
    }),
  );
}

/** What the install downloads, as plain URLs: each npm package's metadata and tarball, and the image's manifest and layers. */
interface RawTargets {
  /** Version metadata as pacote asks for it (the abbreviated document). */
  packuments: string[];
  tarballs: string[];
  manifest: { url: string; accept: string };
  /** Blob URLs without the digest: the layers are read from the manifest in each raw run, as the installer does. */
  blobBase: string;
}

const MANIFEST_ACCEPT = ['application/vnd.oci.image.manifest.v1+json', 'application/vnd.oci.image.index.v1+json'].join(', ');

async function get(url: string, headers: Record<string, string> = {}): Promise<Response> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
  return res;
}

const PACKUMENT_ACCEPT = 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';

/** Every byte the install downloads, fetched and dropped: the network's share of a cold install. */
async function rawDownload(targets: RawTargets): Promise<number> {
  let bytes = 0;
  const drain = async (res: Response) => {
    for await (const chunk of res.body!) bytes += chunk.length;
  };
  // Metadata first, then the tarballs, as the installer does per package; the image alongside.
  const npm = mapLimit(targets.packuments, CONCURRENCY, async (url, i) => {
    await drain(await get(url, { accept: PACKUMENT_ACCEPT }));
    await drain(await get(targets.tarballs[i]));
  });
  const manifestRes = await get(targets.manifest.url, { accept: targets.manifest.accept });
  const manifestText = await manifestRes.text();
  bytes += Buffer.byteLength(manifestText);
  const layers = JSON.parse(manifestText).layers.map((l: { digest: string }) => `${targets.blobBase}/${l.digest}`);
  await Promise.all([npm, mapLimit(layers, CONCURRENCY, async url => drain(await get(url)))]);
  return bytes;
}

/** The same downloads written to files and unpacked with tar: download + extract, and nothing else. */
async function rawDownloadExtract(targets: RawTargets, dest: string): Promise<void> {
  fs.mkdirSync(dest, { recursive: true });
  await mapLimit(targets.packuments, CONCURRENCY, async url => (await get(url, { accept: PACKUMENT_ACCEPT })).arrayBuffer());
  const manifest = await (await get(targets.manifest.url, { accept: targets.manifest.accept })).json();
  const urls = [...targets.tarballs, ...manifest.layers.map((l: { digest: string }) => `${targets.blobBase}/${l.digest}`)];
  await mapLimit(urls, CONCURRENCY, async (url, i) => {
    const file = path.join(dest, `${i}.tgz`);
    fs.writeFileSync(file, Buffer.from(await (await get(url)).arrayBuffer()));
    const out = path.join(dest, String(i));
    fs.mkdirSync(out);
    await execFileAsync('tar', ['-xzf', file, '-C', out]);
  });
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-installer-'));
  const [npm, registry] = await Promise.all([startVerdaccio(), startRegistry()]);
  try {
    progress(`publishing ${NPM_PLUGINS} npm packages and one image with ${OCI_PLUGINS} plugins`);
    const entries: string[] = [];
    const npmSpecs: string[] = [];
    const tarballs: string[] = [];
    for (let i = 0; i < NPM_PLUGINS; i++) {
      const name = `@bench/plugin-${i}`;
      const { integrity, tarball } = await npm.publish({ name, version: '1.0.0', files: pluginFiles(name) });
      entries.push(`  - package: "${name}@1.0.0"\n    integrity: ${integrity}\n`);
      npmSpecs.push(`${name}@1.0.0`);
      tarballs.push(tarball);
    }
    const imageDir = path.join(work, 'image');
    const ociDirs: string[] = [];
    for (let i = 0; i < OCI_PLUGINS; i++) {
      const dir = path.join(imageDir, `oci-plugin-${i}`);
      for (const [file, content] of Object.entries({ ...pluginFiles(`oci-${i}`), 'package.json': JSON.stringify({ name: `@bench/oci-plugin-${i}`, version: '1.0.0' }) })) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), content);
      }
      ociDirs.push(dir);
    }
    const image = `oci://${registry.host}/bench/plugins:1.0.0`;
    execFileSync(process.execPath, [cli, 'plugin', 'publish', '--oci', image, ...ociDirs], { stdio: 'ignore' });
    for (let i = 0; i < OCI_PLUGINS; i++) entries.push(`  - package: ${image}!oci-plugin-${i}\n`);
    fs.writeFileSync(path.join(work, 'dynamic-plugins.yaml'), `plugins:\n${entries.join('')}`);
    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    const env = { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'no-user-npmrc') };
    const targets: RawTargets = {
      packuments: npmSpecs.map(spec => `${npm.url}/${spec.replace(/@1\.0\.0$/, '').replace('/', '%2f')}`),
      tarballs,
      manifest: { url: `${registry.url}/v2/bench/plugins/manifests/1.0.0`, accept: MANIFEST_ACCEPT },
      blobBase: `${registry.url}/v2/bench/plugins/blobs`,
    };

    const profile = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'])] : [];
    const install = (root: string, profiled = false) => {
      const result = spawnSync(process.execPath, [...(profiled ? profile : []), cli, 'plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', root, '--json', '--concurrency', String(CONCURRENCY)], { cwd: work, env });
      if (result.status !== 0) throw new Error(`install failed: ${result.stdout}${result.stderr}`);
    };
    const naive = (dest: string) => {
      fs.mkdirSync(dest, { recursive: true });
      for (const spec of npmSpecs) {
        const out = execFileSync('npm', ['pack', spec, '--silent', `--registry=${npm.url}/`, '--pack-destination', dest], { cwd: work, env }).toString().trim().split('\n').pop()!;
        const target = path.join(dest, out.replace(/\.tgz$/, ''));
        fs.mkdirSync(target);
        execFileSync('tar', ['-xzf', path.join(dest, out), '-C', target, '--strip-components=1']);
      }
      for (let i = 0; i < OCI_PLUGINS; i++) {
        const layout = path.join(dest, `layout-${i}`);
        execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/bench/plugins:1.0.0`, `oci:${layout}`]);
        const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'));
        const manifest = JSON.parse(fs.readFileSync(path.join(layout, 'blobs', ...index.manifests[0].digest.split(':')), 'utf8'));
        const layer = path.join(layout, 'blobs', ...manifest.layers[0].digest.split(':'));
        const target = path.join(dest, `oci-plugin-${i}`);
        fs.mkdirSync(target);
        execFileSync('tar', ['-xzf', layer, '-C', target, '--strip-components=1', `oci-plugin-${i}`]);
      }
    };

    const t = { start: [] as number[], raw: [] as number[], rawExtract: [] as number[], cold: [] as number[], unchanged: [] as number[], naive: [] as number[] };
    let bytes = 0;
    let unchangedTarballRequests = 0;
    for (let run = 1; run <= runs; run++) {
      const root = path.join(work, `root-${run}`);
      // The floor under both installs: Node's start and the CLI's load.
      t.start.push(await timeIt(() => spawnSync(process.execPath, [cli, 'plugins', 'install', '--help'], { cwd: work, env })));
      progress(`run ${run}/${runs}: raw download`);
      t.raw.push(await timeIt(async () => (bytes = await rawDownload(targets))));
      progress(`run ${run}/${runs}: raw download + extract`);
      t.rawExtract.push(await timeIt(() => rawDownloadExtract(targets, path.join(work, `raw-${run}`))));
      if (values.naive) {
        progress(`run ${run}/${runs}: naive baseline`);
        t.naive.push(await timeIt(() => naive(path.join(work, `naive-${run}`))));
      }
      progress(`run ${run}/${runs}: cold install`);
      t.cold.push(await timeIt(() => install(root, true)));
      await new Promise(r => setTimeout(r, 500));
      const before = npm.tarballRequests();
      progress(`run ${run}/${runs}: unchanged re-run`);
      t.unchanged.push(await timeIt(() => install(root)));
      await new Promise(r => setTimeout(r, 500));
      unchangedTarballRequests += npm.tarballRequests() - before;
    }
    const cold = median(t.cold);
    const result = {
      runs,
      downloadedBytes: bytes,
      cliStartSeconds: median(t.start),
      rawDownloadSeconds: median(t.raw),
      rawDownloadExtractSeconds: median(t.rawExtract),
      coldSeconds: cold,
      unchangedSeconds: median(t.unchanged),
      coldOverRawDownload: cold / median(t.raw),
      coldOverRawDownloadExtract: cold / median(t.rawExtract),
      unchangedTarballRequests,
      ...(values.naive ? { naiveSeconds: median(t.naive), naiveOverCold: median(t.naive) / cold } : {}),
      targetsMet: cold / median(t.rawExtract) <= 1.5 && median(t.unchanged) < 0.09 && unchangedTarballRequests === 0,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      const s = (x: number) => `${x.toFixed(3)} s`;
      console.log(`downloaded per install:      ${(bytes / 1e6).toFixed(1)} MB (${NPM_PLUGINS} npm tarballs, 1 image of ${OCI_PLUGINS} plugins)`);
      console.log(`cli start (install --help):  ${s(result.cliStartSeconds)}`);
      console.log(`raw download (plain GETs):   ${s(result.rawDownloadSeconds)}`);
      console.log(`raw download + tar -x:       ${s(result.rawDownloadExtractSeconds)}`);
      console.log(`cold install:                ${s(cold)}`);
      console.log(`unchanged re-run:            ${s(result.unchangedSeconds)} (${unchangedTarballRequests} tarball requests; target < 0.09 s)`);
      console.log(`cold / raw download:         ${result.coldOverRawDownload.toFixed(2)}`);
      console.log(`cold / (raw download + tar): ${result.coldOverRawDownloadExtract.toFixed(2)} (target <= 1.5)`);
      if (values.naive) console.log(`naive baseline:              ${s(result.naiveSeconds!)} (naive / cold ${result.naiveOverCold!.toFixed(2)})`);
    }
  } finally {
    await Promise.all([npm.stop(), registry.stop()]);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
