import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import express from 'express';
import request from 'supertest';
import { FrontendPlugins } from './frontendPlugins';
import { createRemotesRouter } from './remotesRouter';
import { DynamicPluginStatusStore } from './status';

/** A minimal module federation remote folder for `name`. */
function remote(root: string, name: string) {
  const folder = name.replace(/^@/, '').replace('/', '-');
  const dir = path.join(root, folder, 'dist');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(root, folder, 'package.json'), JSON.stringify({ name, version: '1.0.0', backstage: { role: 'frontend-plugin' } }));
  fs.writeFileSync(path.join(dir, 'mf-manifest.json'), JSON.stringify({ name: folder, metaData: { remoteEntry: { name: 'remoteEntry.js', path: '' } }, exposes: [{ name: '.' }] }));
  fs.writeFileSync(path.join(dir, 'remoteEntry.js'), `/* ${name} */`);
  return { key: name, package: name, folder, name, version: '1.0.0', source: 'npm' as const, fingerprint: 'x' };
}

function writeState(root: string, records: ReturnType<typeof remote>[]) {
  const plugins = Object.fromEntries(records.map(r => [r.key, r]));
  const file = path.join(root, INSTALLER_STATE_FILE);
  fs.writeFileSync(file, JSON.stringify({ version: 1, files: [], inputs: '', offline: true, plugins, disabled: [], warnings: [] }));
  // A distinct mtime even on a coarse-grained filesystem clock.
  const t = new Date(Date.now() + Math.random() * 1e6);
  fs.utimesSync(file, t, t);
}

describe('FrontendPlugins and the remotes router', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'frontend-plugins-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('follows the installer state without a restart: a plugin installed later is listed and served, one removed is gone', async () => {
    writeState(root, [remote(root, '@acme/plugin-a')]);
    const status = new DynamicPluginStatusStore();
    const plugins = new FrontendPlugins({ root, config: new ConfigReader({}), status, logger: mockServices.logger.mock() });
    const app = express().use(createRemotesRouter(() => plugins.current()));

    const first = await request(app).get('/remotes');
    expect(first.body.map((r: { packageName: string }) => r.packageName)).toEqual(['@acme/plugin-a']);
    // Relative to the list's URL: the browser loads it from the origin it is at.
    expect(first.body[0].remoteInfo.entry).toBe('remotes/%40acme%2Fplugin-a/remoteEntry.js');

    writeState(root, [remote(root, '@acme/plugin-b')]);
    const second = await request(app).get('/remotes');
    expect(second.body.map((r: { packageName: string }) => r.packageName)).toEqual(['@acme/plugin-b']);
    const entry = await request(app).get('/remotes/%40acme%2Fplugin-b/remoteEntry.js');
    expect(entry.status).toBe(200);
    expect(entry.text).toBe('/* @acme/plugin-b */');
    expect(entry.headers['cache-control']).toBe('no-cache');
    expect((await request(app).get('/remotes/%40acme%2Fplugin-a/remoteEntry.js')).status).toBe(404);
    expect(status.list().map(s => [s.package, s.state])).toEqual([['@acme/plugin-b', 'loaded']]);
  });

  it('reports a folder that is not a remote as failed and does not serve it', async () => {
    const broken = remote(root, '@acme/broken');
    fs.rmSync(path.join(root, broken.folder, 'dist', 'remoteEntry.js'));
    writeState(root, [broken]);
    const status = new DynamicPluginStatusStore();
    const plugins = new FrontendPlugins({ root, config: new ConfigReader({}), status, logger: mockServices.logger.mock() });
    expect(await plugins.current()).toEqual([]);
    expect(status.get('@acme/broken')).toMatchObject({ state: 'failed', reason: 'its remote entry dist/remoteEntry.js is missing' });
  });

  it('does not serve dotfiles or paths outside a remote', async () => {
    writeState(root, [remote(root, '@acme/plugin-a')]);
    fs.writeFileSync(path.join(root, 'acme-plugin-a', 'dist', '.secret'), 'x');
    const plugins = new FrontendPlugins({ root, config: new ConfigReader({}), status: new DynamicPluginStatusStore(), logger: mockServices.logger.mock() });
    const app = express().use(createRemotesRouter(() => plugins.current()));
    expect((await request(app).get('/remotes/%40acme%2Fplugin-a/.secret')).status).toBe(403);
    expect((await request(app).get('/remotes/%40acme%2Fplugin-a/..%2Fpackage.json')).status).not.toBe(200);
  });
});
