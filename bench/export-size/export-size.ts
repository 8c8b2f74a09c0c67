/**
 * bench/export-size: how big an exported dynamic backend plugin is next to
 * what `backstage-cli package bundle` makes of the same package.
 *
 * For each npm spec: `devportal plugin export --from-npm` (our export), and
 * `backstage-cli package bundle --no-build` on the same published package,
 * placed as the only workspace of a throwaway yarn project in the temp
 * folder (package bundle works only inside a monorepo; its lifecycle scripts
 * are removed and yarn runs without scripts, as our export does). Sizes are
 * bytes on disk of the output folders. Target: ours <= 1/10 of package bundle.
 *
 *   node bench/export-size/export-size.ts [--json] [<npm spec> ...]
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const backstageCli = path.join(repoRoot, 'node_modules/@backstage/cli/bin/backstage-cli');
const DEFAULT_SPECS = [
  '@backstage/plugin-proxy-backend@0.6.18',
  '@backstage/plugin-catalog-backend-module-openapi@0.2.26',
  '@roadiehq/scaffolder-backend-module-utils@4.1.2',
];

const usage = `Usage: node bench/export-size/export-size.ts [--json] [<npm spec> ...]

Exports each backend plugin with devportal plugin export --from-npm and with
backstage-cli package bundle, and compares the sizes (target: ours <= 1/10).
Default specs: ${DEFAULT_SPECS.join(', ')}. Progress on stderr.`;

const { values, positionals } = parseArgs({
  options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  allowPositionals: true,
});
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const specs = positionals.length > 0 ? positionals : DEFAULT_SPECS;
const progress = (message: string) => process.stderr.write(`bench/export-size: ${message}\n`);
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-export-size-'));
const env = {
  ...process.env,
  YARN_ENABLE_SCRIPTS: 'false',
  YARN_ENABLE_COLORS: 'false',
  NO_COLOR: '1',
  FORCE_COLOR: '0',
  npm_config_nodedir: process.env.npm_config_nodedir ?? path.resolve(process.execPath, '../..'),
};

function size(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += size(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}

function packageBundleSize(spec: string, index: number): number {
  const project = path.join(work, `bundle-${index}`);
  const pluginDir = path.join(project, 'plugins/plugin');
  fs.mkdirSync(pluginDir, { recursive: true });
  execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', project], { env, stdio: 'pipe' });
  const tarball = fs.readdirSync(project).find(f => f.endsWith('.tgz'))!;
  execFileSync('tar', ['xzf', path.join(project, tarball), '-C', pluginDir, '--strip-components=1']);
  const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, 'package.json'), 'utf8'));
  delete pkg.scripts;
  fs.writeFileSync(path.join(pluginDir, 'package.json'), JSON.stringify(pkg, null, 2));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'bundle-root', private: true, workspaces: ['plugins/*'] }));
  fs.writeFileSync(path.join(project, 'yarn.lock'), '');
  fs.writeFileSync(path.join(project, '.yarnrc.yml'), 'nodeLinker: node-modules\nenableTelemetry: false\n');
  progress(`${spec}: yarn install (for package bundle)`);
  execFileSync('yarn', ['install'], { cwd: project, env, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  progress(`${spec}: backstage-cli package bundle`);
  execFileSync(process.execPath, [backstageCli, 'package', 'bundle', '--no-build'], { cwd: pluginDir, env, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
  return size(path.join(pluginDir, 'bundle'));
}

function ourExportSize(spec: string): number {
  progress(`${spec}: devportal plugin export`);
  const out = execFileSync(process.execPath, [cli, 'plugin', 'export', '--from-npm', spec, '--out', path.join(work, 'exported'), '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return size(JSON.parse(out.trim().split('\n').pop()!).dir);
}

const rows = specs.map((spec, index) => {
  const ours = ourExportSize(spec);
  const bundle = packageBundleSize(spec, index);
  return { spec, ours, packageBundle: bundle, ratio: ours / bundle };
});
fs.rmSync(work, { recursive: true, force: true });

if (values.json) {
  process.stdout.write(`${JSON.stringify(rows)}\n`);
} else {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  process.stdout.write('bench/export-size: devportal plugin export vs backstage-cli package bundle (target ratio <= 0.10)\n');
  for (const r of rows) {
    process.stdout.write(`  ${r.spec.padEnd(58)} ${mb(r.ours).padStart(8)} vs ${mb(r.packageBundle).padStart(8)}  ratio ${r.ratio.toFixed(3)} ${r.ratio <= 0.1 ? 'meets' : 'misses'}\n`);
  }
}
