// Shared set-up for the chart tests (deploy/helm/devportal/*.test.ts): they render the DevPortal
// Helm chart with the real helm binary and check the output is valid Kubernetes YAML that does
// what the chart promises, and that it agrees with deploy/Dockerfile.
//
// Run: node --test deploy/helm/devportal/*.test.ts   (Node 22.18+, which strips TS types)
// helm: $HELM if set, else deploy/scripts/ensure-helm.sh fetches it into .devportal/tools/.

import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const chartDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(chartDir, '../../..');
// The repo's own yaml package (a root devDependency), resolved from the repo root.
export const YAML = createRequire(path.join(repoRoot, 'package.json'))('yaml');

export type Obj = Record<string, any>;

const RELEASE = 'rel';
export const FULLNAME = 'rel-devportal';

let helm = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-chart-test-'));

function findHelm(): string {
  if (process.env.HELM) return process.env.HELM;
  const script = path.join(repoRoot, 'deploy/scripts/ensure-helm.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

let valuesFileCount = 0;
export function valuesArgs(values?: Obj): string[] {
  if (!values) return [];
  // JSON is YAML that every parser reads alike: helm's YAML 1.1 would read an unquoted `on`
  // from YAML.stringify (YAML 1.2) as true.
  const file = path.join(tmp, `values-${valuesFileCount++}.json`);
  fs.writeFileSync(file, JSON.stringify(values));
  return ['-f', file];
}

export function runHelm(args: string[]) {
  return spawnSync(helm, args, { encoding: 'utf8' });
}

/** `helm template` output, parsed; fails the test on a helm error or any YAML error. */
export function render(values?: Obj, release = RELEASE): Obj[] {
  const result = runHelm(['template', release, chartDir, '--namespace', 'portal', ...valuesArgs(values)]);
  assert.equal(result.status, 0, `helm template failed:\n${result.stderr}`);
  const docs = YAML.parseAllDocuments(result.stdout);
  const out: Obj[] = [];
  for (const doc of docs) {
    assert.deepEqual(
      doc.errors.map((e: Error) => e.message),
      [],
      'helm template printed YAML that does not parse',
    );
    const js = doc.toJS();
    if (js !== null && js !== undefined) out.push(js);
  }
  assert.ok(out.length > 0, 'helm template printed no objects');
  return out;
}

export function only(docs: Obj[], kind: string): Obj {
  const found = docs.filter(d => d.kind === kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

export function kinds(docs: Obj[]): string[] {
  return docs.map(d => d.kind).sort();
}

export function podSpec(docs: Obj[]): Obj {
  return only(docs, 'Deployment').spec.template.spec;
}

export function container(spec: Obj, name: string, list: 'containers' | 'initContainers' = 'containers'): Obj {
  const found = (spec[list] ?? []).find((c: Obj) => c.name === name);
  assert.ok(found, `no ${list} entry named ${name}`);
  return found;
}

export function env(c: Obj, name: string): Obj {
  const found = (c.env ?? []).find((e: Obj) => e.name === name);
  assert.ok(found, `container ${c.name} has no env ${name}`);
  return found;
}

export function mountPath(c: Obj, volume: string): string {
  const found = (c.volumeMounts ?? []).find((m: Obj) => m.name === volume);
  assert.ok(found, `container ${c.name} does not mount ${volume}`);
  return found.mountPath;
}

export function volume(spec: Obj, name: string): Obj {
  const found = spec.volumes.find((v: Obj) => v.name === name);
  assert.ok(found, `pod has no volume ${name}`);
  return found;
}

/** The value after `flag` in an argv list. */
export function flagValue(argv: string[], flag: string): string {
  const i = argv.indexOf(flag);
  assert.ok(i >= 0 && i + 1 < argv.length, `${flag} missing in ${argv.join(' ')}`);
  return argv[i + 1];
}

/** The container path a file given on the command line ends up at (relative to workingDir). */
export function inContainer(c: Obj, file: string): string {
  return path.posix.resolve(c.workingDir ?? '/', file);
}

export function isUnder(file: string, dir: string): boolean {
  return file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Every option switched on, as an operator would for a real install. */
export const FULL: Obj = {
  postgresql: {
    host: 'pg.example.internal',
    port: 6543,
    user: 'portal',
    existingSecret: 'portal-db',
    passwordKey: 'db-password',
    // Set too, to prove existingSecret wins and no chart Secret is made.
    password: 'ignored',
  },
  dynamicPlugins: {
    persistence: { enabled: true, storageClass: 'fast', size: '5Gi' },
    npmrc: '@acme:registry=https://npm.acme.example/\n//npm.acme.example/:_authToken=${ACME_NPM_TOKEN}\n',
    registryAuthSecret: 'oci-auth',
    initContainer: { env: [{ name: 'ACME_NPM_TOKEN', valueFrom: { secretKeyRef: { name: 'npm', key: 'token' } } }] },
    config: {
      includes: ['dynamic-plugins.default.yaml'],
      plugins: [
        {
          package: '@backstage-community/plugin-tech-radar@1.0.0',
          integrity: 'sha512-abc',
          disabled: false,
          pluginConfig: {
            dynamicPlugins: {
              frontend: {
                'backstage-community.plugin-tech-radar': {
                  dynamicRoutes: [{ path: '/tech-radar', importName: 'TechRadarPage' }],
                },
              },
            },
          },
        },
      ],
    },
  },
  ingress: {
    enabled: true,
    className: 'nginx',
    hosts: [{ host: 'portal.example.com', paths: [{ path: '/', pathType: 'Prefix' }] }],
    tls: [{ secretName: 'portal-tls', hosts: ['portal.example.com'] }],
  },
  appConfig: {
    app: { baseUrl: 'https://portal.example.com', title: 'Portal: "ours"' },
    backend: { baseUrl: 'https://portal.example.com', cors: { origin: 'https://portal.example.com' } },
    // Strings that YAML would turn into other types if the chart forgot to quote them.
    integrations: { github: [{ host: 'github.com', token: '${GITHUB_TOKEN}', apiBaseUrl: 'true' }] },
    organization: { name: 'on', code: '007', answer: 'yes', nothing: 'null', multiline: 'line one\nline two\n' },
  },
  extraEnv: [
    { name: 'GITHUB_TOKEN', valueFrom: { secretKeyRef: { name: 'github', key: 'token' } } },
    { name: 'LOG_LEVEL', value: 'debug' },
  ],
};

/**
 * Registers the hooks every chart test file needs: find helm (and check it runs) before the
 * tests, remove the values files after them. Call once at the top level of a test file.
 */
export function useHelm() {
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  before(() => {
    helm = findHelm();
    const version = runHelm(['version', '--short']);
    assert.equal(version.status, 0, `helm at ${helm} does not run: ${version.stderr}`);
  });
}
