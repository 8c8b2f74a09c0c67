// The dynamic plugins install: the init container, the plugins root volume (emptyDir or PVC),
// registry credentials, and the ConfigMap that carries the plugin list and app-config.
//
// Run: node --test deploy/helm/devportal/*.test.ts (shared set-up in chartTestkit.ts)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  container,
  env,
  flagValue,
  FULL,
  inContainer,
  isUnder,
  mountPath,
  only,
  podSpec,
  render,
  runHelm,
  chartDir,
  useHelm,
  volume,
  YAML,
  type Obj,
} from './chartTestkit.ts';

useHelm();

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

  test('replicas each install into their own emptyDir; a ReadWriteOnce plugins volume shared by replicas is refused', () => {
    const docs = render({ replicaCount: 3 });
    assert.equal(only(docs, 'Deployment').spec.replicas, 3);
    assert.deepEqual(volume(podSpec(docs), 'dynamic-plugins-root').emptyDir, {});
    const refused = runHelm(['template', 'r', chartDir, '--set', 'replicaCount=2', '--set', 'dynamicPlugins.persistence.enabled=true']);
    assert.notEqual(refused.status, 0);
    assert.match(refused.stderr, /replicaCount > 1 cannot share a ReadWriteOnce plugins volume/);
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
    // devportal-cli run installs again in the backend container before each start.
    const backend = container(spec, 'backend');
    assert.equal(env(backend, 'REGISTRY_AUTH_FILE').value, file);
    assert.equal(mountPath(backend, 'registry-auth'), mount);
    const plain = podSpec(render());
    assert.ok(!plain.volumes.some((v: Obj) => v.name === 'registry-auth'));
    assert.ok(!container(plain, 'backend').volumeMounts.some((m: Obj) => m.name === 'registry-auth'));
  });

  test("the backend container runs the supervisor on the init container's plugin list and root, with its env", () => {
    // Same list, root and settings: the supervisor's install step finds the root unchanged.
    const spec = podSpec(render(FULL));
    const init = container(spec, 'install-dynamic-plugins', 'initContainers');
    const backend = container(spec, 'backend');
    const initArgv = [...init.command, ...(init.args ?? [])];
    const argv = [...backend.command, ...backend.args];
    assert.deepEqual(argv.slice(0, 3), ['node', 'packages/cli/bin/devportal-cli', 'run']);
    assert.equal(flagValue(argv, '--plugins-config'), flagValue(initArgv, '--config'));
    assert.equal(inContainer(backend, flagValue(argv, '--root')), flagValue(initArgv, '--root'));
    for (const variable of init.env) {
      assert.deepEqual(env(backend, variable.name), variable, `${variable.name} differs between installer and backend`);
    }
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
