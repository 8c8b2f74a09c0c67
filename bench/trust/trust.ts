/**
 * bench/trust: what `trust: { mode: enforce }` adds to a cold install, as a
 * ratio against `mode: off`, measured in one run on the same fixtures.
 *
 * Fixtures (generated, not measured): 20 npm plugin packages of ~1 MB
 * (~120 files each), published with `devportal-cli plugin publish --npm
 * --sign` to a loopback npm registry that keeps the signatures it is sent
 * (a small server below), and 10 OCI plugins published with `plugin publish
 * --oci --sign` to a local docker-registry (one image by default, or spread
 * over `--images N`), all signed with one test key.
 *
 * Measured, median of --runs (default 3), each run: a cold install with
 * `mode: off` and one with `mode: enforce` (alternating which goes first),
 * each into an empty root; then an unchanged re-run under enforce, with the
 * registries' requests counted (must be 0: no new verification). Then, not
 * timed, one more cold install per mode with every request counted (the
 * images read through a counting proxy), to show what each mode asks.
 *
 *   node bench/trust/trust.ts [--runs 3] [--images 1] [--json]
 *
 * Not part of any test suite: it needs docker-registry, and its numbers
 * depend on the machine. Build packages/cli and packages/plugin-installer
 * first (`yarn backstage-cli package build` in each): the CLI runs from dist.
 */
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { repoRoot } from '../../e2e/support/backend.ts';
import { startRegistry } from '../../e2e/support/registry.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    images: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
    // Prints one cold install per mode with its progress lines timed, before measuring.
    trace: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of each cold install into this folder (node --cpu-prof), named by mode.
    'cpu-prof': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log('Usage: node bench/trust/trust.ts [--runs N] [--images N] [--json]');
  process.exit(0);
}
const runs = Number(values.runs);
const images = Number(values.images);
const progress = (msg: string) => !values.json && process.stderr.write(`trust bench: ${msg}\n`);
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const NPM_PLUGINS = 20;
const OCI_PLUGINS = 10;
const CONCURRENCY = 8;
// Asynchronous only: the npm registry fixture answers from this process's event loop.
const run = promisify(execFile);

/** ~1 MB over ~120 files, as bench/installer generates them. */
function writePlugin(dir: string, name: string) {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', backstage: { role: 'backend-plugin' } }));
  for (let i = 0; i < 120; i++) {
    const size = 4_000 + ((i * 7919) % 9_000);
    const noise = crypto.createHash('sha512').update(`${name}-${i}`).digest('base64');
    let body = '';
    while (body.length < size / 2) body += noise;
    body += 'export function component(props) { return props.children; }\n'.repeat(Math.ceil(size / 2 / 60));
    fs.writeFileSync(path.join(dir, 'dist', `chunk-${i}.js`), body);
  }
}

/** An npm registry on loopback that keeps what `plugin publish --npm` sends, `dist.signatures` included. */
async function startNpmFixture() {
  const packuments = new Map<string, any>();
  const tarballs = new Map<string, Buffer>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (req.method === 'PUT') {
      const chunks: Buffer[] = [];
      req.on('data', d => chunks.push(d));
      req.on('end', () => {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        packuments.set(doc.name, { name: doc.name, 'dist-tags': doc['dist-tags'], versions: doc.versions });
        for (const [file, a] of Object.entries<any>(doc._attachments)) tarballs.set(`/${doc.name}/-/${file}`, Buffer.from(a.data, 'base64'));
        res.writeHead(201).end('{}');
      });
      return;
    }
    requests.push(`${req.method} ${url}`);
    const tarball = tarballs.get(url);
    if (tarball) return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length }).end(tarball);
    const doc = packuments.get(url.slice(1));
    if (doc) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    res.writeHead(404).end('{}');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    requests: () => requests.length,
    requestsSince: (start: number) => requests.slice(start),
    packument: (name: string) => packuments.get(name),
    stop: () => new Promise<void>(resolve => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** Forwards to a registry, counting requests: only for the untimed counted installs. */
async function startCountingProxy(target: string) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, up => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise<void>(resolve => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

/** Requests by kind (`GET packument`, `HEAD manifest`…), for the counted installs. */
function tally(requests: string[]): Record<string, number> {
  const kinds: Record<string, number> = {};
  for (const r of requests) {
    const [method, url] = r.split(' ');
    const kind = url.includes('/manifests/')
      ? `${method} manifest${url.endsWith('.sig') ? ' (.sig)' : ''}`
      : url.includes('/blobs/')
        ? `${method} blob`
        : url.includes('/-/')
          ? `${method} tarball`
          : url.startsWith('/v2/') || url.includes('token')
            ? `${method} ${url}`
            : `${method} packument`;
    kinds[kind] = (kinds[kind] ?? 0) + 1;
  }
  return kinds;
}

const CPU_HOOK = `data:text/javascript,${encodeURIComponent(
  "import fs from 'node:fs'; process.on('exit', () => { const u = process.cpuUsage(); fs.writeFileSync(process.env.BENCH_CPU_FILE, String(u.user + u.system)); });",
)}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-bench-trust-'));
  const [npm, registry] = await Promise.all([startNpmFixture(), startRegistry()]);
  const proxy = await startCountingProxy(registry.url);
  try {
    const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = path.join(work, 'release.pem');
    fs.writeFileSync(key, pair.privateKey.export({ format: 'pem', type: 'pkcs8' }));
    fs.writeFileSync(path.join(work, 'release.pub'), pair.publicKey.export({ format: 'pem', type: 'spki' }));

    progress(`publishing ${NPM_PLUGINS} signed npm packages and ${OCI_PLUGINS} plugins in ${images} signed image(s)`);
    const npmDirs = Array.from({ length: NPM_PLUGINS }, (_, i) => path.join(work, 'src', `npm-${i}`));
    npmDirs.forEach((dir, i) => writePlugin(dir, `bench-trust-plugin-${i}`));
    await run(process.execPath, [cli, 'plugin', 'publish', '--npm', npm.url, '--sign', key, ...npmDirs], { cwd: work });
    const countedEntries: string[] = [];
    const entries = npmDirs.map((_, i) => {
      const name = `bench-trust-plugin-${i}`;
      return `  - package: ${name}@1.0.0\n    integrity: ${npm.packument(name).versions['1.0.0'].dist.integrity}\n`;
    });
    for (let image = 0; image < images; image++) {
      const dirs: string[] = [];
      for (let i = image; i < OCI_PLUGINS; i += images) {
        const dir = path.join(work, 'src', `oci-plugin-${i}`);
        writePlugin(dir, `bench-trust-oci-plugin-${i}`);
        dirs.push(dir);
      }
      const ref = `oci://${registry.host}/bench/trust-${image}:1.0.0`;
      await run(process.execPath, [cli, 'plugin', 'publish', '--oci', ref, '--sign', key, ...dirs], { cwd: work });
      for (const dir of dirs) entries.push(`  - package: ${ref}!${path.basename(dir)}\n`);
      for (const dir of dirs) countedEntries.push(`  - package: ${ref.replace(registry.host, proxy.host)}!${path.basename(dir)}\n`);
    }
    const env = { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'no-user-npmrc') };
    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}\n`);
    const config = (mode: string, list = entries, name = mode) => {
      const file = path.join(work, `dynamic-plugins.${name}.yaml`);
      fs.writeFileSync(
        file,
        `trust:\n  mode: ${mode}\n  publicKeys:\n    release:\n      publicKeyFile: release.pub\n  trustedKeys: [release]\nplugins:\n${list.join('')}`,
      );
      return file;
    };
    const npmEntries = entries.slice(0, NPM_PLUGINS);
    const files = {
      off: config('off'),
      enforce: config('enforce'),
      'counted-off': config('off', [...npmEntries, ...countedEntries], 'counted-off'),
      'counted-enforce': config('enforce', [...npmEntries, ...countedEntries], 'counted-enforce'),
    };
    const install = async (mode: keyof typeof files, root: string) => {
      const start = performance.now();
      const profile = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof']), '--cpu-prof-name', `${mode}-${path.basename(root)}-${Date.now()}.cpuprofile`] : [];
      // The install's own CPU time (user + system), written by the child as it
      // exits: unlike the wall time, hardly moved by the other jobs' load.
      const cpuFile = path.join(work, `cpu-${crypto.randomUUID()}`);
      const args = [...profile, '--import', CPU_HOOK, cli, 'plugins', 'install', '--config', files[mode], '--root', root, '--json', '--concurrency', String(CONCURRENCY)];
      const result = await run(process.execPath, args, { cwd: work, env: { ...env, BENCH_CPU_FILE: cpuFile }, maxBuffer: 64 * 1024 * 1024 }).catch(error => {
        throw new Error(`${mode} install failed: ${error.stdout}${error.stderr}`);
      });
      const cpuSeconds = Number(fs.readFileSync(cpuFile, 'utf8')) / 1e6;
      return { seconds: (performance.now() - start) / 1000, cpuSeconds, outcome: JSON.parse(result.stdout) };
    };

    if (values.trace) {
      for (const mode of ['off', 'enforce'] as const) {
        const start = performance.now();
        const args = [cli, 'plugins', 'install', '--config', files[mode], '--root', path.join(work, `trace-${mode}`), '--progress', '--concurrency', String(CONCURRENCY)];
        const child = spawn(process.execPath, args, { cwd: work, env });
        let text = '';
        child.stderr.on('data', d => {
          const at = ((performance.now() - start) / 1000).toFixed(3);
          text += String(d).split('\n').filter(Boolean).map(line => `${mode} ${at} ${line}\n`).join('');
        });
        await new Promise(resolve => child.on('close', resolve));
        process.stderr.write(text);
      }
    }
    const t = { off: [] as number[], enforce: [] as number[], unchanged: [] as number[] };
    const cpu = { off: [] as number[], enforce: [] as number[] };
    let unchangedRequests = 0;
    let verified = 0;
    for (let round = 1; round <= runs; round++) {
      const order: Array<'off' | 'enforce'> = round % 2 ? ['off', 'enforce'] : ['enforce', 'off'];
      for (const mode of order) {
        progress(`run ${round}/${runs}: cold install, mode ${mode}`);
        const { seconds, cpuSeconds } = await install(mode, path.join(work, `root-${mode}-${round}`));
        t[mode].push(seconds);
        cpu[mode].push(cpuSeconds);
      }
      const root = path.join(work, `root-enforce-${round}`);
      const state = JSON.parse(fs.readFileSync(path.join(root, '.devportal-installed.json'), 'utf8'));
      verified = Object.values<any>(state.plugins).filter(p => p.trust?.status === 'verified').length;
      const before = npm.requests();
      progress(`run ${round}/${runs}: unchanged re-run, mode enforce`);
      t.unchanged.push((await install('enforce', root)).seconds);
      unchangedRequests += npm.requests() - before;
    }
    const counted: Record<string, { npm: Record<string, number>; oci: Record<string, number> }> = {};
    for (const mode of ['off', 'enforce'] as const) {
      progress(`counted cold install (not timed), mode ${mode}`);
      const [npmStart, ociStart] = [npm.requests(), proxy.requests.length];
      await install(`counted-${mode}`, path.join(work, `root-counted-${mode}`));
      counted[mode] = { npm: tally(npm.requestsSince(npmStart)), oci: tally(proxy.requests.slice(ociStart)) };
    }
    const result = {
      runs,
      images,
      plugins: NPM_PLUGINS + OCI_PLUGINS,
      verifiedPlugins: verified,
      coldOffSeconds: median(t.off),
      coldEnforceSeconds: median(t.enforce),
      enforceOverOff: median(t.enforce) / median(t.off),
      // Each run's own ratio: the other jobs' load drifts less within one run than across five.
      perRunRatios: t.enforce.map((e, i) => e / t.off[i]),
      cpuOffSeconds: median(cpu.off),
      cpuEnforceSeconds: median(cpu.enforce),
      cpuEnforceOverOff: median(cpu.enforce) / median(cpu.off),
      offSeconds: t.off,
      enforceSeconds: t.enforce,
      unchangedEnforceSeconds: median(t.unchanged),
      unchangedNpmRequests: unchangedRequests,
      requestsPerColdInstall: counted,
      targetMet: median(t.enforce) / median(t.off) <= 1.15 && unchangedRequests === 0 && verified === NPM_PLUGINS + OCI_PLUGINS,
    };
    if (values.json) {
      console.log(JSON.stringify(result));
    } else {
      const s = (x: number) => `${x.toFixed(3)} s`;
      console.log(`plugins:                 ${NPM_PLUGINS} npm + ${OCI_PLUGINS} OCI in ${images} image(s); ${verified} verified under enforce`);
      console.log(`cold install, off:       ${s(result.coldOffSeconds)} (median of ${runs})`);
      console.log(`cold install, enforce:   ${s(result.coldEnforceSeconds)} (median of ${runs})`);
      console.log(`enforce / off:           ${result.enforceOverOff.toFixed(3)} (target <= 1.15)`);
      console.log(`per run:                 ${t.off.map((o, i) => `${o.toFixed(2)}/${t.enforce[i].toFixed(2)} s = ${result.perRunRatios[i].toFixed(2)}`).join(', ')} (off/enforce)`);
      console.log(`install CPU (user+sys):  off ${s(result.cpuOffSeconds)}, enforce ${s(result.cpuEnforceSeconds)}, enforce / off ${result.cpuEnforceOverOff.toFixed(3)} (medians)`);
      console.log(`unchanged re-run:        ${s(result.unchangedEnforceSeconds)} (${unchangedRequests} npm registry requests; must be 0)`);
      const show = (kinds: Record<string, number>) => Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(', ');
      for (const mode of ['off', 'enforce'] as const) {
        console.log(`requests, cold ${mode}:`.padEnd(25) + `npm: ${show(counted[mode].npm)}; OCI: ${show(counted[mode].oci)}`);
      }
    }
  } finally {
    await Promise.all([npm.stop(), proxy.stop(), registry.stop()]);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
