// The backend container: its PostgreSQL connection and extra env, the folders it writes to,
// probes, security context and resources.
//
// Run: node --test deploy/helm/devportal/*.test.ts (shared set-up in chartTestkit.ts)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  container,
  env,
  FULL,
  FULLNAME,
  inContainer,
  only,
  podSpec,
  render,
  repoRoot,
  useHelm,
  YAML,
  type Obj,
} from './chartTestkit.ts';

useHelm();

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

  test('readOnlyRoot mounts the plugins root read-only in the backend and skips its install step; off by default', () => {
    const mountOf = (backend: Obj) => backend.volumeMounts.find((m: Obj) => m.mountPath === '/app/dynamic-plugins-root');
    const writable = container(podSpec(render({})), 'backend');
    assert.equal(mountOf(writable).readOnly, undefined);
    assert.ok(writable.args.includes('--plugins-config'));
    const readOnly = container(podSpec(render({ dynamicPlugins: { readOnlyRoot: true } })), 'backend');
    assert.equal(mountOf(readOnly).readOnly, true);
    assert.ok(readOnly.args.includes('--no-plugins'));
    assert.ok(!readOnly.args.includes('--plugins-config'));
    // The init container still installs into it.
    const init = podSpec(render({ dynamicPlugins: { readOnlyRoot: true } })).initContainers[0];
    assert.notEqual(init.volumeMounts.find((m: Obj) => m.mountPath === '/app/dynamic-plugins-root').readOnly, true);
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
