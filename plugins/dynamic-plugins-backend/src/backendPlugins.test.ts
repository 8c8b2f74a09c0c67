import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createBackendPlugin } from '@backstage/backend-plugin-api';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { InstallState, InstalledRecord } from '@devportal/plugin-dynamic-plugins-common';
import { loadBackendPlugins } from './backendPlugins';
import { DynamicPluginStatusStore } from './status';

const feature = createBackendPlugin({ pluginId: 'ok', register(env) { env.registerInit({ deps: {}, async init() {} }); } });

describe('loadBackendPlugins', () => {
  let root: string;
  const records: Record<string, InstalledRecord> = {};
  const folder = (name: string, pkg: Record<string, unknown> | undefined) => {
    const dir = path.join(root, name.replace(/[@/]/g, '-'));
    fs.mkdirSync(dir, { recursive: true });
    if (pkg) fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.2.3', ...pkg }));
    records[name] = { key: name, package: name, folder: path.basename(dir), name, version: '1.2.3', source: 'npm', fingerprint: 'x' };
    return dir;
  };

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'backend-plugins-'));
    for (const key of Object.keys(records)) delete records[key];
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('loads compatible backend plugins and gives every other package a state with its reason', async () => {
    const ok = folder('@acme/ok-backend', { backstage: { role: 'backend-plugin' } });
    const throws = folder('@acme/throws-backend', { backstage: { role: 'backend-plugin-module' } });
    folder('@acme/newer-backend', { backstage: { role: 'backend-plugin' }, devportal: { compatibility: { backstage: '1.99.0' } } });
    folder('@acme/lib', { backstage: { role: 'node-library' } });
    folder('@acme/ui', { backstage: { role: 'frontend-plugin' } });
    folder('@acme/no-manifest', undefined);
    const state: InstallState = {
      version: 1, files: [], inputs: '', offline: true, warnings: [],
      plugins: records,
      disabled: [{ key: '@acme/off', package: '@acme/off' }],
    };
    const added: string[][] = [];
    const status = new DynamicPluginStatusStore();
    const { features } = await loadBackendPlugins({
      root,
      state,
      config: new ConfigReader({}),
      host: { backstage: '1.55.0', backendPluginApi: '1.10.1' },
      ignoreCompatibility: new Set(),
      timeoutMs: 1000,
      status,
      logger: mockServices.logger.mock(),
      resolution: { add: set => { added.push([...set.packages.keys()]); return () => {}; }, uninstall() {} },
      hostRequire: ((dir: string) => {
        if (dir === ok) return { default: feature };
        if (dir === throws) throw new Error('Cannot find module knex-nope');
        throw new Error(`unexpected require of ${dir}`);
      }) as unknown as NodeRequire,
    });

    expect(features).toHaveLength(1);
    // Every candidate is resolvable before any is imported: a module may import its plugin.
    expect(added).toEqual([['@acme/ok-backend', '@acme/throws-backend']]);
    const byName = Object.fromEntries(status.list().map(s => [s.package, s]));
    expect(byName).toMatchObject({
      '@acme/ok-backend': { state: 'loaded', source: 'npm', kind: 'backend-plugin', version: '1.2.3' },
      '@acme/throws-backend': { state: 'failed', reason: 'import failed: Cannot find module knex-nope' },
      '@acme/newer-backend': { state: 'incompatible', reason: "was built for Backstage 1.99.0, newer than the host's 1.55.0" },
      '@acme/lib': { state: 'skipped', reason: 'not a backend package (role node-library)' },
      '@acme/no-manifest': { state: 'failed', reason: expect.stringMatching(/no readable package.json/) },
      '@acme/off': { state: 'disabled' },
    });
    // Frontend packages are the FrontendPlugins' to report.
    expect(byName['@acme/ui']).toBeUndefined();
  });

  it('loads an incompatible plugin the config names in ignoreCompatibility', async () => {
    const dir = folder('@acme/newer-backend', { backstage: { role: 'backend-plugin' }, devportal: { compatibility: { backstage: '1.99.0' } } });
    const status = new DynamicPluginStatusStore();
    const { features } = await loadBackendPlugins({
      root,
      state: { version: 1, files: [], inputs: '', offline: true, warnings: [], plugins: records, disabled: [] },
      config: new ConfigReader({}),
      host: { backstage: '1.55.0', backendPluginApi: '1.10.1' },
      ignoreCompatibility: new Set(['@acme/newer-backend']),
      timeoutMs: 1000,
      status,
      logger: mockServices.logger.mock(),
      resolution: { add: () => () => {}, uninstall() {} },
      hostRequire: ((d: string) => (d === dir ? { default: feature } : undefined)) as unknown as NodeRequire,
    });
    expect(features).toHaveLength(1);
    expect(status.get('@acme/newer-backend')).toMatchObject({ state: 'loaded' });
  });
  it('loads an RHDH package declaring a pre-1.0 backend-plugin-api with a warning, and still refuses one older than 0.6', async () => {
    const rhdh = folder('@acme/rhdh-dynamic', { backstage: { role: 'backend-plugin-module' }, peerDependencies: { '@backstage/backend-plugin-api': '^0.7.0' } });
    folder('@acme/ancient-dynamic', { backstage: { role: 'backend-plugin-module' }, peerDependencies: { '@backstage/backend-plugin-api': '^0.5.0' } });
    const status = new DynamicPluginStatusStore();
    const logger = mockServices.logger.mock();
    const { features } = await loadBackendPlugins({
      root,
      state: { version: 1, files: [], inputs: '', offline: true, warnings: [], plugins: records, disabled: [] },
      config: new ConfigReader({}),
      host: { backstage: '1.55.0', backendPluginApi: '1.10.1' },
      ignoreCompatibility: new Set(),
      timeoutMs: 1000,
      status,
      logger,
      resolution: { add: () => () => {}, uninstall() {} },
      hostRequire: ((d: string) => {
        if (d === rhdh) return { default: feature };
        throw new Error(`unexpected require of ${d}`);
      }) as unknown as NodeRequire,
    });
    expect(features).toHaveLength(1);
    expect(status.get('@acme/rhdh-dynamic')).toMatchObject({ state: 'loaded' });
    expect(status.get('@acme/ancient-dynamic')).toMatchObject({
      state: 'incompatible',
      reason: 'needs @backstage/backend-plugin-api ^0.5.0, the host has 1.10.1',
    });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^Dynamic plugin @acme\/rhdh-dynamic declares @backstage\/backend-plugin-api \^0\.7\.0 \(pre-1\.0\), the host has 1\.10\.1/),
    );
  });
});
