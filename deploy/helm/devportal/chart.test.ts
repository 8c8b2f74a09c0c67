// The chart as a whole: helm lint in strict mode, and every rendered object well-formed and
// consistent (names, selectors, mounts, env values) with default, full and partial values.
//
// Run: node --test deploy/helm/devportal/*.test.ts (shared set-up in chartTestkit.ts)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chartDir,
  FULL,
  kinds,
  only,
  podSpec,
  render,
  runHelm,
  useHelm,
  valuesArgs,
  volume,
  type Obj,
} from './chartTestkit.ts';

useHelm();

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
