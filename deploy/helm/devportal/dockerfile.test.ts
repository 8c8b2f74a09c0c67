// The chart and deploy/Dockerfile agree: user, port, plugins volume, working directory, command
// line, and the files the image runs.
//
// Run: node --test deploy/helm/devportal/*.test.ts (shared set-up in chartTestkit.ts)

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { container, mountPath, podSpec, render, repoRoot, useHelm } from './chartTestkit.ts';

useHelm();

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

  test('the image carries the plugin catalog and the presets, and the installer is told where the presets are', () => {
    const copies = (stage.get('COPY') ?? []).join('\n');
    assert.ok(copies.includes('/app/marketplace ./marketplace'), 'the final stage does not COPY marketplace/ (catalog index and presets)');
    const env = (stage.get('ENV') ?? []).join(' ');
    const [, presetsDir] = env.match(/DEVPORTAL_PRESETS_DIR=(\S+)/) ?? [];
    assert.equal(presetsDir, `${last('WORKDIR')}/marketplace/presets`);
    assert.ok(fs.readdirSync(path.join(repoRoot, 'marketplace/presets')).some(f => f.endsWith('.yaml')), 'marketplace/presets has no preset');
    assert.ok(fs.readdirSync(path.join(repoRoot, 'marketplace/index')).length >= 30, 'marketplace/index has fewer than 30 entries');
  });
});
