import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSupervised, type StartedSupervisor } from '../support/supervised.ts';

/**
 * `devportal-cli run` with the built backend: a backend that exits with 75
 * (RESTART_EXIT_CODE in dynamic-plugins-common, what an apply from the
 * marketplace does) is started again on the same port after the installer
 * ran again, so it serves the changed plugin config; SIGTERM stops both.
 *
 * The restart is asked for by a dynamic plugin written here, standing in for
 * the marketplace's apply route.
 */
const RESTART_EXIT_CODE = 75;

const FIXTURE = `
const { createBackendPlugin, coreServices } = require('@backstage/backend-plugin-api');
const express = require('express');
exports.default = createBackendPlugin({
  pluginId: 'restart-fixture',
  register(env) {
    env.registerInit({
      deps: { httpRouter: coreServices.httpRouter, config: coreServices.rootConfig },
      async init({ httpRouter, config }) {
        const router = express.Router();
        router.get('/info', (req, res) => res.json({ pid: process.pid, message: config.getOptionalString('restartFixture.message') }));
        router.post('/restart', (req, res) => {
          res.on('finish', () => setTimeout(() => process.exit(${RESTART_EXIT_CODE}), 100));
          res.status(202).json({ pid: process.pid });
        });
        httpRouter.use(router);
        httpRouter.addAuthPolicy({ path: '/info', allow: 'unauthenticated' });
        httpRouter.addAuthPolicy({ path: '/restart', allow: 'unauthenticated' });
      },
    });
  },
});
`;

function pluginsYaml(message: string) {
  return `plugins:\n  - package: ./plugins/restart-fixture\n    pluginConfig: { restartFixture: { message: ${message} } }\n`;
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the supervisor (devportal-cli run) with the built backend', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-supervisor-'));
  const pluginsConfig = path.join(work, 'dynamic-plugins.yaml');
  let portal: StartedSupervisor;

  before(async () => {
    const dir = path.join(work, 'plugins/restart-fixture');
    fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: '@fixture/restart-fixture', version: '1.0.0', main: 'dist/index.cjs.js', backstage: { role: 'backend-plugin', pluginId: 'restart-fixture' } }),
    );
    fs.writeFileSync(path.join(dir, 'dist/index.cjs.js'), FIXTURE);
    fs.writeFileSync(pluginsConfig, pluginsYaml('one'));
    portal = await startSupervised({
      pluginsConfig,
      dataDir: path.join(work, 'data'),
      config: { backend: { database: { client: 'better-sqlite3', connection: ':memory:' } } },
    });
  });

  after(async () => {
    await portal?.stop();
  });

  async function info(): Promise<{ pid: number; message: string }> {
    const res = await fetch(`${portal.baseUrl}/api/restart-fixture/info`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as { pid: number; message: string };
  }

  it('restarts the backend on the same port after an exit with 75, with the plugins installed again', async () => {
    const before = await info();
    assert.equal(before.message, 'one');
    assert.equal(portal.count('installing dynamic plugins from dynamic-plugins.yaml'), 1);

    // The change the apply stands for; only a new install and a new backend pick it up.
    fs.writeFileSync(pluginsConfig, pluginsYaml('two'));
    const res = await fetch(`${portal.baseUrl}/api/restart-fixture/restart`, { method: 'POST' });
    assert.equal(res.status, 202);

    await portal.waitForLine('restarting to apply the plugin changes');
    await portal.waitForLine(`DevPortal is ready: ${portal.baseUrl}`, 2);
    const after = await info();
    assert.notEqual(after.pid, before.pid, 'a new backend process serves');
    assert.equal(isAlive(before.pid), false, 'the old backend is gone');
    assert.equal(after.message, 'two', 'the new backend loads what the installer wrote');
    assert.equal(portal.count('installing dynamic plugins from dynamic-plugins.yaml'), 2);
    assert.equal(portal.count(`starting again on ${portal.baseUrl}`), 1);
    assert.ok(!portal.logs().includes('devportal: error:'), portal.logs().slice(-2000));
  });

  it('stops the backend and exits 0 within a few seconds of SIGTERM', async () => {
    const { pid } = await info();
    const started = Date.now();
    portal.kill('SIGTERM');
    const code = await portal.exited;
    const elapsed = Date.now() - started;
    assert.equal(code, 0, portal.logs().slice(-2000));
    assert.ok(elapsed < 8_000, `took ${elapsed} ms`);
    assert.equal(isAlive(pid), false, 'the backend is gone with its supervisor');
  });
});
