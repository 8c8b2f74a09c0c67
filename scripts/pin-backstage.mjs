#!/usr/bin/env node
// Pins every @backstage/* package to one Backstage release.
//
// Why: the npm registry we install from is a partial mirror. Caret ranges
// inside @backstage/* packages drift to packages of a later release, and a
// backend built from mixed releases fails at start (for example
// `httpRouter.addWebSocketHandler is not a function`). Root `resolutions`
// force one version of each package in the whole tree, and workspace
// dependencies are rewritten to the same exact versions so that
// `package.json` tells the truth.
//
// Usage: node scripts/pin-backstage.mjs <release-manifest.json>
// The manifest is Backstage's own per-release list
// (`{ releaseVersion, packages: [{ name, version }] }`).
import fs from 'node:fs';
import path from 'node:path';

const manifestPath = process.argv[2];
if (!manifestPath || manifestPath === '--help') {
  console.log('Usage: node scripts/pin-backstage.mjs <release-manifest.json>');
  process.exit(manifestPath ? 0 : 1);
}
const repoRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
const versions = Object.fromEntries(manifest.packages.map(p => [p.name, p.version]));

const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));
const writeJson = (file, data) => fs.writeFileSync(file, `${JSON.stringify(data, null, 2)}\n`);

const rootFile = path.join(repoRoot, 'package.json');
const root = readJson(rootFile);
const otherResolutions = Object.fromEntries(
  Object.entries(root.resolutions ?? {}).filter(([name]) => !name.startsWith('@backstage/')),
);
root.resolutions = { ...otherResolutions, ...versions };
writeJson(rootFile, root);

const workspaceDirs = ['packages', 'plugins'].flatMap(dir =>
  fs.existsSync(path.join(repoRoot, dir))
    ? fs.readdirSync(path.join(repoRoot, dir)).map(name => path.join(repoRoot, dir, name))
    : [],
);
workspaceDirs.push(repoRoot);
let changed = 0;
for (const dir of workspaceDirs) {
  const file = path.join(dir, 'package.json');
  if (!fs.existsSync(file)) continue;
  const pkg = readJson(file);
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    for (const name of Object.keys(pkg[field] ?? {})) {
      if (!name.startsWith('@backstage/')) continue;
      if (!versions[name]) {
        console.error(`${path.relative(repoRoot, file)}: ${name} is not part of release ${manifest.releaseVersion}`);
        process.exitCode = 1;
        continue;
      }
      const wanted = field === 'peerDependencies' ? `^${versions[name]}` : versions[name];
      if (pkg[field][name] !== wanted) {
        pkg[field][name] = wanted;
        changed++;
      }
    }
  }
  writeJson(file, pkg);
}
fs.writeFileSync(
  path.join(repoRoot, 'backstage.json'),
  `${JSON.stringify({ version: manifest.releaseVersion }, null, 2)}\n`,
);
console.log(`Pinned ${manifest.packages.length} @backstage/* packages to release ${manifest.releaseVersion}; ${changed} workspace dependencies rewritten.`);
