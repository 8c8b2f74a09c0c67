// Renders the DevPortal Helm chart with the real helm binary and checks the output is valid
// Kubernetes YAML that does what the chart promises, and that it agrees with deploy/Dockerfile.
//
// Run: node --test deploy/helm/devportal/chart.test.ts   (Node 22.18+, which strips TS types)
// helm: $HELM if set, else deploy/scripts/ensure-helm.sh fetches it into .devportal/tools/.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const chartDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(chartDir, '../../..');
// The repo's own yaml package (a root devDependency), resolved from the repo root.
const YAML = createRequire(path.join(repoRoot, 'package.json'))('yaml');

type Obj = Record<string, any>;

const RELEASE = 'rel';
const FULLNAME = 'rel-devportal';

let helm = '';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-chart-test-'));

function findHelm(): string {
  if (process.env.HELM) return process.env.HELM;
  const script = path.join(repoRoot, 'deploy/scripts/ensure-helm.sh');
  return execFileSync('bash', [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

let valuesFileCount = 0;
function valuesArgs(values?: Obj): string[] {
  if (!values) return [];
  // JSON is YAML that every parser reads alike: helm's YAML 1.1 would read an unquoted `on`
  // from YAML.stringify (YAML 1.2) as true.
  const file = path.join(tmp, `values-${valuesFileCount++}.json`);
  fs.writeFileSync(file, JSON.stringify(values));
  return ['-f', file];
}

function runHelm(args: string[]) {
  return spawnSync(helm, args, { encoding: 'utf8' });
}

/** `helm template` output, parsed; fails the test on a helm error or any YAML error. */
function render(values?: Obj, release = RELEASE): Obj[] {
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

function only(docs: Obj[], kind: string): Obj {
  const found = docs.filter(d => d.kind === kind);
  assert.equal(found.length, 1, `expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

function kinds(docs: Obj[]): string[] {
  return docs.map(d => d.kind).sort();
}

function podSpec(docs: Obj[]): Obj {
  return only(docs, 'Deployment').spec.template.spec;
}

function container(spec: Obj, name: string, list: 'containers' | 'initContainers' = 'containers'): Obj {
  const found = (spec[list] ?? []).find((c: Obj) => c.name === name);
  assert.ok(found, `no ${list} entry named ${name}`);
  return found;
}

function env(c: Obj, name: string): Obj {
  const found = (c.env ?? []).find((e: Obj) => e.name === name);
  assert.ok(found, `container ${c.name} has no env ${name}`);
  return found;
}

function mountPath(c: Obj, volume: string): string {
  const found = (c.volumeMounts ?? []).find((m: Obj) => m.name === volume);
  assert.ok(found, `container ${c.name} does not mount ${volume}`);
  return found.mountPath;
}

function volume(spec: Obj, name: string): Obj {
  const found = spec.volumes.find((v: Obj) => v.name === name);
  assert.ok(found, `pod has no volume ${name}`);
  return found;
}

/** The value after `flag` in an argv list. */
function flagValue(argv: string[], flag: string): string {
  const i = argv.indexOf(flag);
  assert.ok(i >= 0 && i + 1 < argv.length, `${flag} missing in ${argv.join(' ')}`);
  return argv[i + 1];
}

/** The container path a file given on the command line ends up at (relative to workingDir). */
function inContainer(c: Obj, file: string): string {
  return path.posix.resolve(c.workingDir ?? '/', file);
}

function isUnder(file: string, dir: string): boolean {
  return file.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** Every option switched on, as an operator would for a real install. */
const FULL: Obj = {
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

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

before(() => {
  helm = findHelm();
  const version = runHelm(['version', '--short']);
  assert.equal(version.status, 0, `helm at ${helm} does not run: ${version.stderr}`);
});

describe('helm lint', () => {
  test('passes in strict mode with the default values', () => {
    const result = runHelm(['lint', '--strict', chartDir]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  test('passes in strict mode with persistence, ingress and existingSecret switched on', () => {
    const result = runHelm(['lint', '--strict', chartDir, ...valuesArgs(FULL)]);
    assert.equal(result.status, 0, result.stdout + result.stderr);
  });

  test('fails on values the templates cannot use (so the two tests above can fail)', () => {
    const result = runHelm(['lint', '--strict', chartDir, ...valuesArgs({ dynamicPlugins: { persistence: 'yes' } })]);
    assert.notEqual(result.status, 0, 'helm lint accepted dynamicPlugins.persistence as a string');
  });
});

describe('rendered objects', () => {
  const cases: [string, () => Obj[]][] = [
    ['default values', () => render()],
    ['every option switched on', () => render(FULL)],
    ['a password in values', () => render({ postgresql: { password: 's3cret' } })],
  ];

  for (const [name, make] of cases) {
    test(`with ${name}: every document has apiVersion, kind and a DNS-1123 metadata.name`, () => {
      for (const doc of make()) {
        assert.equal(typeof doc.apiVersion, 'string', `no apiVersion in ${JSON.stringify(doc).slice(0, 200)}`);
        assert.equal(typeof doc.kind, 'string', `no kind in ${doc.apiVersion} object`);
        assert.match(doc.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${doc.kind} name`);
        assert.ok(doc.metadata.name.length <= 63, `${doc.kind} name longer than 63 characters`);
      }
    });

    test(`with ${name}: every volume mount names a volume of the pod`, () => {
      const spec = podSpec(make());
      const volumes = new Set(spec.volumes.map((v: Obj) => v.name));
      for (const c of [...spec.initContainers, ...spec.containers]) {
        for (const m of c.volumeMounts ?? []) {
          assert.ok(volumes.has(m.name), `${c.name} mounts ${m.name}, which is not a volume`);
        }
      }
    });

    test(`with ${name}: every env value is a string, as the Kubernetes API requires`, () => {
      const spec = podSpec(make());
      for (const c of [...spec.initContainers, ...spec.containers]) {
        for (const e of c.env ?? []) {
          if ('value' in e) assert.equal(typeof e.value, 'string', `${c.name} env ${e.name} = ${e.value}`);
          else assert.ok(e.valueFrom, `${c.name} env ${e.name} has neither value nor valueFrom`);
        }
      }
    });
  }

  test('default values render a ServiceAccount, ConfigMap, Service and Deployment only', () => {
    assert.deepEqual(kinds(render()), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
  });

  test('persistence and ingress add a PersistentVolumeClaim and an Ingress; existingSecret adds no Secret', () => {
    assert.deepEqual(kinds(render(FULL)), [
      'ConfigMap',
      'Deployment',
      'Ingress',
      'PersistentVolumeClaim',
      'Service',
      'ServiceAccount',
    ]);
  });

  test('names stay within 63 characters for the longest release name helm allows', () => {
    const release = `r${'x'.repeat(51)}z`; // 53 characters, helm's limit
    for (const doc of render(FULL, release)) {
      assert.ok(doc.metadata.name.length <= 63, `${doc.kind} ${doc.metadata.name}`);
      assert.match(doc.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    }
    const spec = podSpec(render(FULL, release));
    const claim = volume(spec, 'dynamic-plugins-root').persistentVolumeClaim.claimName;
    const pvc = only(render(FULL, release), 'PersistentVolumeClaim');
    assert.equal(claim, pvc.metadata.name, 'truncated claim name differs between PVC and pod');
  });

  test('the Deployment selector, the pod labels and the Service selector agree', () => {
    const docs = render(FULL);
    const deployment = only(docs, 'Deployment');
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(deployment.spec.selector.matchLabels)) {
      assert.equal(podLabels[k], v, `Deployment selector ${k}`);
    }
    for (const [k, v] of Object.entries(only(docs, 'Service').spec.selector)) {
      assert.equal(podLabels[k], v, `Service selector ${k}`);
    }
  });

  test('the Ingress routes to the Service port by its name', () => {
    const docs = render(FULL);
    const service = only(docs, 'Service');
    const ingress = only(docs, 'Ingress');
    assert.equal(ingress.spec.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec.tls, FULL.ingress.tls);
    const backend = ingress.spec.rules[0].http.paths[0].backend.service;
    assert.equal(backend.name, service.metadata.name);
    assert.ok(service.spec.ports.some((p: Obj) => p.name === backend.port.name), 'Ingress port not on the Service');
  });
});

describe('dynamic plugins', () => {
  test('an install-dynamic-plugins init container runs the CLI install into the volume the backend mounts', () => {
    const docs = render();
    const spec = podSpec(docs);
    const init = container(spec, 'install-dynamic-plugins', 'initContainers');
    const backend = container(spec, 'backend');
    assert.equal(init.image, backend.image, 'installer and backend must be the same image');
    const argv = [...init.command, ...(init.args ?? [])];
    assert.deepEqual(argv.slice(0, 4), ['node', 'packages/cli/bin/devportal-cli', 'plugins', 'install']);

    const root = flagValue(argv, '--root');
    assert.equal(root, '/app/dynamic-plugins-root');
    assert.equal(mountPath(init, 'dynamic-plugins-root'), root);
    assert.equal(mountPath(backend, 'dynamic-plugins-root'), root);

    // The installer's --config is the ConfigMap's dynamic-plugins.yaml.
    const config = flagValue(argv, '--config');
    const configMount = mountPath(init, 'config');
    assert.ok(isUnder(config, configMount), `${config} is not under the config mount ${configMount}`);
    const cm = only(docs, 'ConfigMap');
    assert.equal(volume(spec, 'config').configMap.name, cm.metadata.name);
    assert.ok(path.posix.basename(config) in cm.data, `ConfigMap has no key ${path.posix.basename(config)}`);
  });

  test('the backend loads the app-config the installer writes into the plugins root', () => {
    const spec = podSpec(render());
    const backend = container(spec, 'backend');
    const configs = backend.args.filter((_: string, i: number) => backend.args[i - 1] === '--config');
    const root = mountPath(backend, 'dynamic-plugins-root');
    assert.ok(
      configs.map((f: string) => inContainer(backend, f)).includes(`${root}/app-config.dynamic-plugins.yaml`),
      `backend --config list ${configs.join(', ')} misses the installer's output`,
    );
  });

  test('the plugins root is an emptyDir by default, with rolling updates', () => {
    const docs = render();
    const v = volume(podSpec(docs), 'dynamic-plugins-root');
    assert.deepEqual(v.emptyDir, {});
    assert.equal(v.persistentVolumeClaim, undefined);
    assert.equal(only(docs, 'Deployment').spec.strategy, undefined, 'default strategy (RollingUpdate) expected');
  });

  test('with persistence the plugins root is the chart PVC, and pods are recreated rather than rolled', () => {
    const docs = render(FULL);
    const pvc = only(docs, 'PersistentVolumeClaim');
    const v = volume(podSpec(docs), 'dynamic-plugins-root');
    assert.equal(v.emptyDir, undefined);
    assert.equal(v.persistentVolumeClaim.claimName, pvc.metadata.name);
    assert.equal(pvc.spec.resources.requests.storage, '5Gi');
    assert.equal(pvc.spec.storageClassName, 'fast');
    assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
    assert.equal(only(docs, 'Deployment').spec.strategy.type, 'Recreate');
  });

  test('with persistence.existingClaim the pod uses that claim and the chart creates none', () => {
    const docs = render({ dynamicPlugins: { persistence: { enabled: true, existingClaim: 'my-plugins' } } });
    assert.equal(docs.filter(d => d.kind === 'PersistentVolumeClaim').length, 0);
    assert.equal(volume(podSpec(docs), 'dynamic-plugins-root').persistentVolumeClaim.claimName, 'my-plugins');
  });

  test('npmrc is written next to dynamic-plugins.yaml and its tokens come from the init container env', () => {
    const docs = render(FULL);
    const cm = only(docs, 'ConfigMap');
    assert.equal(cm.data['.npmrc'], FULL.dynamicPlugins.npmrc);
    const init = container(podSpec(docs), 'install-dynamic-plugins', 'initContainers');
    const config = flagValue([...init.command, ...(init.args ?? [])], '--config');
    assert.ok('.npmrc' in cm.data && path.posix.basename(config) in cm.data, 'both must be in the mounted ConfigMap');
    assert.deepEqual(env(init, 'ACME_NPM_TOKEN').valueFrom, { secretKeyRef: { name: 'npm', key: 'token' } });
    assert.equal(only(render(), 'ConfigMap').data['.npmrc'], undefined, 'no .npmrc unless asked for');
  });

  test('registryAuthSecret is mounted for the installer and named by REGISTRY_AUTH_FILE', () => {
    const spec = podSpec(render(FULL));
    const init = container(spec, 'install-dynamic-plugins', 'initContainers');
    const file = env(init, 'REGISTRY_AUTH_FILE').value;
    const mount = mountPath(init, 'registry-auth');
    assert.ok(isUnder(file, mount), `${file} is not under ${mount}`);
    const secret = volume(spec, 'registry-auth').secret;
    assert.equal(secret.secretName, 'oci-auth');
    assert.ok(
      secret.items.some((i: Obj) => i.key === 'auth.json' && path.posix.join(mount, i.path) === file),
      'the secret key auth.json is not projected at REGISTRY_AUTH_FILE',
    );
    const backend = container(spec, 'backend');
    assert.ok(!backend.volumeMounts.some((m: Obj) => m.name === 'registry-auth'), 'the backend does not need registry credentials');
    const plain = podSpec(render());
    assert.ok(!plain.volumes.some((v: Obj) => v.name === 'registry-auth'));
  });

  test('dynamicPlugins.config and appConfig reach the ConfigMap unchanged', () => {
    const cm = only(render(FULL), 'ConfigMap');
    assert.deepEqual(YAML.parse(cm.data['dynamic-plugins.yaml']), FULL.dynamicPlugins.config);
    assert.deepEqual(YAML.parse(cm.data['app-config.extra.yaml']), FULL.appConfig);
  });

  test('a change to appConfig or the plugin list changes the pod template, so pods restart', () => {
    const checksum = (values?: Obj) =>
      only(render(values), 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const base = checksum();
    assert.match(base, /^[0-9a-f]{64}$/);
    assert.equal(checksum(), base, 'checksum is not stable for the same values');
    assert.notEqual(checksum({ appConfig: { app: { title: 'Other' } } }), base);
    assert.notEqual(checksum({ dynamicPlugins: { config: { plugins: [{ package: './x' }] } } }), base);
  });

  test('the backend loads app-config.extra.yaml from the ConfigMap, last so that it wins', () => {
    const docs = render();
    const backend = container(podSpec(docs), 'backend');
    const last = backend.args[backend.args.length - 1];
    assert.equal(backend.args[backend.args.length - 2], '--config');
    assert.ok(isUnder(last, mountPath(backend, 'config')));
    assert.ok(path.posix.basename(last) in only(docs, 'ConfigMap').data);
  });
});

describe('PostgreSQL', () => {
  test('POSTGRES_HOST, PORT and USER come from values; POSTGRES_PASSWORD from existingSecret and its key', () => {
    const backend = container(podSpec(render(FULL)), 'backend');
    assert.equal(env(backend, 'POSTGRES_HOST').value, 'pg.example.internal');
    assert.equal(env(backend, 'POSTGRES_PORT').value, '6543');
    assert.equal(env(backend, 'POSTGRES_USER').value, 'portal');
    const password = env(backend, 'POSTGRES_PASSWORD');
    assert.equal(password.value, undefined, 'the password must not be inlined');
    assert.deepEqual(password.valueFrom, { secretKeyRef: { name: 'portal-db', key: 'db-password' } });
  });

  test('a password in values becomes a chart Secret, under passwordKey, that POSTGRES_PASSWORD references', () => {
    const docs = render({ postgresql: { password: 's3cret', passwordKey: 'pg-pass' } });
    const secret = only(docs, 'Secret');
    const ref = env(container(podSpec(docs), 'backend'), 'POSTGRES_PASSWORD').valueFrom.secretKeyRef;
    assert.equal(ref.name, secret.metadata.name);
    assert.equal(ref.key, 'pg-pass');
    assert.equal(Buffer.from(secret.data[ref.key], 'base64').toString(), 's3cret');
  });

  test('without existingSecret or password no Secret is rendered and the pod expects the chart-named one', () => {
    const docs = render();
    assert.equal(docs.filter(d => d.kind === 'Secret').length, 0);
    const ref = env(container(podSpec(docs), 'backend'), 'POSTGRES_PASSWORD').valueFrom.secretKeyRef;
    assert.deepEqual(ref, { name: `${FULLNAME}-postgresql`, key: 'password' });
  });

  test('every ${VAR} in app-config.production.yaml is set on the backend container', () => {
    const text = fs.readFileSync(path.join(repoRoot, 'app-config.production.yaml'), 'utf8');
    const uncommented = text
      .split('\n')
      .map(line => line.replace(/(^|\s)#.*$/, ''))
      .join('\n');
    const needed = [...new Set([...uncommented.matchAll(/\$\{(\w+)\}/g)].map(m => m[1]))];
    assert.ok(needed.includes('POSTGRES_PASSWORD'), 'expected app-config.production.yaml to read POSTGRES_*');
    const backend = container(podSpec(render()), 'backend');
    for (const name of needed) env(backend, name);
  });

  test('extraEnv is added to the backend next to the PostgreSQL variables', () => {
    const backend = container(podSpec(render(FULL)), 'backend');
    assert.deepEqual(env(backend, 'GITHUB_TOKEN').valueFrom, { secretKeyRef: { name: 'github', key: 'token' } });
    assert.equal(env(backend, 'LOG_LEVEL').value, 'debug');
    env(backend, 'POSTGRES_HOST');
  });
});

describe('backend container', () => {
  test('the folders the image app-config writes to are mount points of the backend container', () => {
    // Loaded in the image CMD's order, later files win; the scaffolder refuses to start when its
    // working directory does not exist, and the root filesystem may be read-only.
    const configs = ['app-config.yaml', 'app-config.production.yaml'].map(f =>
      YAML.parse(fs.readFileSync(path.join(repoRoot, f), 'utf8')),
    );
    const pick = (get: (c: Obj) => unknown) =>
      configs.map(c => get(c ?? {})).filter(v => v !== undefined).pop() as string | undefined;
    const dirs = [
      pick(c => c.backend?.workingDirectory),
      pick(c => (c.techdocs?.publisher?.type === 'local' ? c.techdocs.publisher.local?.publishDirectory : undefined)),
    ].filter((d): d is string => typeof d === 'string');
    assert.ok(dirs.length > 0, 'expected app-config.yaml to set backend.workingDirectory');
    const backend = container(podSpec(render()), 'backend');
    // Exactly a mount point: a folder inside a fresh emptyDir would not exist.
    const mounts = backend.volumeMounts.map((m: Obj) => m.mountPath);
    for (const dir of dirs) {
      const abs = inContainer(backend, dir);
      assert.ok(mounts.includes(abs), `${dir} (${abs}) is not a volume mount point of the backend`);
    }
  });

  test('readiness and liveness probes hit the Backstage health endpoints on container port 7007', () => {
    const backend = container(podSpec(render()), 'backend');
    const port = (name: string | number) =>
      typeof name === 'number' ? name : backend.ports.find((p: Obj) => p.name === name)?.containerPort;
    assert.equal(backend.readinessProbe.httpGet.path, '/.backstage/health/v1/readiness');
    assert.equal(port(backend.readinessProbe.httpGet.port), 7007);
    assert.equal(backend.livenessProbe.httpGet.path, '/.backstage/health/v1/liveness');
    assert.equal(port(backend.livenessProbe.httpGet.port), 7007);
  });

  test('the pod and both containers run as a non-root user', () => {
    const spec = podSpec(render());
    assert.equal(spec.securityContext.runAsNonRoot, true);
    assert.notEqual(spec.securityContext.runAsUser, 0);
    for (const c of [...spec.initContainers, ...spec.containers]) {
      assert.equal(c.securityContext.runAsNonRoot, true, `${c.name} runAsNonRoot`);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name} allowPrivilegeEscalation`);
    }
  });

  test('resources from values are applied to the backend', () => {
    const backend = container(
      podSpec(render({ resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '3Gi' } } })),
      'backend',
    );
    assert.deepEqual(backend.resources, { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '3Gi' } });
  });
});

/** The last stage of a Dockerfile as instruction → arguments (continuation lines joined). */
function finalStage(dockerfile: string): Map<string, string[]> {
  const lines = dockerfile
    .split('\n')
    .filter(l => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean);
  const stage = new Map<string, string[]>();
  for (const line of lines) {
    const [, instruction, rest] = line.match(/^(\w+)\s+(.*)$/) ?? [];
    if (!instruction) continue;
    const key = instruction.toUpperCase();
    if (key === 'FROM') stage.clear();
    stage.set(key, [...(stage.get(key) ?? []), rest]);
  }
  return stage;
}

describe('chart and deploy/Dockerfile agree', () => {
  const stage = finalStage(fs.readFileSync(path.join(repoRoot, 'deploy/Dockerfile'), 'utf8'));
  const last = (key: string) => {
    const values = stage.get(key);
    assert.ok(values, `the final stage of deploy/Dockerfile has no ${key}`);
    return values[values.length - 1];
  };

  test('the pod runs as the image USER, and that user is not root', () => {
    const [uid] = last('USER').split(':');
    assert.match(uid, /^[1-9]\d*$/, 'USER must be a numeric non-zero uid for runAsNonRoot to be checkable');
    assert.equal(String(podSpec(render()).securityContext.runAsUser), uid);
  });

  test('the container port is the one the image EXPOSEs', () => {
    const backend = container(podSpec(render()), 'backend');
    assert.equal(String(backend.ports[0].containerPort), last('EXPOSE'));
  });

  test('the plugins volume is mounted where the image declares its VOLUME, under its WORKDIR', () => {
    const spec = podSpec(render());
    const backend = container(spec, 'backend');
    assert.equal(mountPath(backend, 'dynamic-plugins-root'), last('VOLUME'));
    assert.equal(backend.workingDir, last('WORKDIR'));
    assert.equal(container(spec, 'install-dynamic-plugins', 'initContainers').workingDir, last('WORKDIR'));
  });

  test("the backend's command line is the image CMD plus the chart's extra config", () => {
    const cmd: string[] = JSON.parse(last('CMD'));
    const backend = container(podSpec(render()), 'backend');
    const argv = [...backend.command, ...backend.args];
    assert.deepEqual(argv.slice(0, cmd.length), cmd);
    assert.deepEqual(argv.slice(cmd.length, cmd.length + 1), ['--config']);
    assert.equal(argv.length, cmd.length + 2);
  });

  test('the config files and CLI entry point the image runs exist in the repo and are copied into the image', () => {
    const cmd: string[] = JSON.parse(last('CMD'));
    const configs = cmd.filter((_, i) => cmd[i - 1] === '--config');
    const copies = (stage.get('COPY') ?? []).join('\n');
    for (const file of configs.filter(f => !f.startsWith('dynamic-plugins-root/'))) {
      assert.ok(fs.existsSync(path.join(repoRoot, file)), `${file} (in the image CMD) is not in the repo`);
      assert.ok(copies.includes(`/app/${file}`), `the final stage does not COPY ${file}`);
    }
    const init = container(podSpec(render()), 'install-dynamic-plugins', 'initContainers');
    assert.ok(fs.existsSync(path.join(repoRoot, init.command[1])), `${init.command[1]} is not in the repo`);
  });
});
