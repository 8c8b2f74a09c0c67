/**
 * bench/installer: our installer against a naive baseline, in one run.
 *
 * Fixtures (generated, not measured): 20 npm plugin packages of ~1 MB with
 * ~120 files each in a local verdaccio, and one OCI image holding 10 plugins
 * in a local docker-registry.
 *
 * Measured, median of --runs (default 3):
 *   (a) cold:      `devportal-cli plugins install` into an empty root
 *   (b) unchanged: the same command again (tarball requests counted in verdaccio's log)
 *   (c) naive:     sequential `npm pack` + `tar -x` per npm package, and
 *                  `skopeo copy` + `tar -x` per OCI plugin
 * Targets: naive/cold >= 3; unchanged/cold <= 0.05 with zero tarball requests.
 *
 *   node bench/installer/installer.ts [--runs 3] [--json]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../e2e/support/backend.ts';
import { startRegistry } from '../../e2e/support/registry.ts';
import { startVerdaccio } from '../../e2e/support/verdaccio.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
});
if (values.help) {
  console.log('Usage: node bench/installer/installer.ts [--runs N] [--json]');
  process.exit(0);
}
const runs = Number(values.runs);
const progress = (msg: string) => !values.json && process.stderr.write(`installer bench: ${msg}\n`);
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const NPM_PLUGINS = 20;
const OCI_PLUGINS = 10;

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

function timeIt(fn: () => void): number {
  const start = performance.now();
  fn();
  return (performance.now() - start) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-installer-'));
  const [npm, registry] = await Promise.all([startVerdaccio(), startRegistry()]);
  try {
    progress(`publishing ${NPM_PLUGINS} npm packages and one image with ${OCI_PLUGINS} plugins`);
    const entries: string[] = [];
    const npmSpecs: string[] = [];
    for (let i = 0; i < NPM_PLUGINS; i++) {
      const name = `@bench/plugin-${i}`;
      const { integrity } = await npm.publish({ name, version: '1.0.0', files: pluginFiles(name) });
      entries.push(`  - package: "${name}@1.0.0"\n    integrity: ${integrity}\n`);
      npmSpecs.push(`${name}@1.0.0`);
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

    const install = (root: string) => {
      const result = spawnSync(process.execPath, [cli, 'plugins', 'install', '--config', 'dynamic-plugins.yaml', '--root', root, '--json', '--concurrency', '8'], { cwd: work, env });
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

    const cold: number[] = [];
    const unchanged: number[] = [];
    const baseline: number[] = [];
    let unchangedTarballRequests = 0;
    for (let run = 1; run <= runs; run++) {
      const root = path.join(work, `root-${run}`);
      progress(`run ${run}/${runs}: naive baseline`);
      baseline.push(timeIt(() => naive(path.join(work, `naive-${run}`))));
      progress(`run ${run}/${runs}: cold install`);
      cold.push(timeIt(() => install(root)));
      await new Promise(r => setTimeout(r, 500));
      const before = npm.tarballRequests();
      progress(`run ${run}/${runs}: unchanged re-run`);
      unchanged.push(timeIt(() => install(root)));
      await new Promise(r => setTimeout(r, 500));
      unchangedTarballRequests += npm.tarballRequests() - before;
    }
    const result = {
      runs,
      coldSeconds: median(cold),
      unchangedSeconds: median(unchanged),
      naiveSeconds: median(baseline),
      naiveOverCold: median(baseline) / median(cold),
      unchangedOverCold: median(unchanged) / median(cold),
      unchangedTarballRequests,
      targetsMet: median(baseline) / median(cold) >= 3 && median(unchanged) / median(cold) <= 0.05 && unchangedTarballRequests === 0,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      console.log(`cold install:        ${result.coldSeconds.toFixed(2)} s`);
      console.log(`unchanged re-run:    ${result.unchangedSeconds.toFixed(2)} s (${unchangedTarballRequests} tarball requests)`);
      console.log(`naive baseline:      ${result.naiveSeconds.toFixed(2)} s`);
      console.log(`naive / cold:        ${result.naiveOverCold.toFixed(2)}  (target >= 3)`);
      console.log(`unchanged / cold:    ${result.unchangedOverCold.toFixed(3)} (target <= 0.05)`);
    }
  } finally {
    await Promise.all([npm.stop(), registry.stop()]);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
