import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { backendSnapshot, installedGeneration } from './backendSnapshot';

/** A root as the installer leaves it: plugin folders, the state file, the plugins' app-config. */
function makeRoot(plugins: Array<{ folder: string; role: string; version: string }>, appConfig: string, layer?: number) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-snapshot-'));
  const records: Record<string, unknown> = {};
  for (const p of plugins) {
    fs.mkdirSync(path.join(root, p.folder));
    fs.writeFileSync(path.join(root, p.folder, 'package.json'), JSON.stringify({ name: `@acme/${p.folder}`, version: p.version, backstage: { role: p.role } }));
    records[p.folder] = { package: `@acme/${p.folder}@${p.version}`, name: `@acme/${p.folder}`, version: p.version, folder: p.folder, source: 'npm', integrity: `sha512-${p.version}` };
  }
  const files = ['/x/dynamic-plugins.yaml', ...(layer ? [path.join(root, '.devportal-marketplace', `layer-${layer}.yaml`)] : [])];
  fs.writeFileSync(path.join(root, INSTALLER_STATE_FILE), JSON.stringify({ version: 1, files, inputs: '', offline: false, plugins: records, disabled: [], warnings: [] }));
  fs.writeFileSync(path.join(root, 'app-config.dynamic-plugins.yaml'), appConfig);
  return root;
}

describe('backendSnapshot', () => {
  const backend = { folder: 'todo-backend', role: 'backend-plugin', version: '1.0.0' };
  const frontend = { folder: 'todo', role: 'frontend-plugin', version: '1.0.0' };

  it('does not change when only frontend plugins change: no new backend generation is needed', () => {
    const before = backendSnapshot(makeRoot([backend], 'a: 1\n'));
    expect(backendSnapshot(makeRoot([backend, frontend], 'a: 1\n'))).toBe(before);
    expect(backendSnapshot(makeRoot([backend, { ...frontend, version: '2.0.0' }], 'a: 1\n'))).toBe(before);
  });

  it('changes with a backend plugin added, upgraded or removed, and with the plugins app-config', () => {
    const before = backendSnapshot(makeRoot([backend, frontend], 'a: 1\n'));
    expect(backendSnapshot(makeRoot([frontend], 'a: 1\n'))).not.toBe(before);
    expect(backendSnapshot(makeRoot([{ ...backend, version: '1.1.0' }, frontend], 'a: 1\n'))).not.toBe(before);
    expect(backendSnapshot(makeRoot([backend, frontend, { folder: 'mod', role: 'backend-plugin-module', version: '1.0.0' }], 'a: 1\n'))).not.toBe(before);
    // The app's config is injected into the page at start: a frontend plugin's config change needs a new backend too.
    expect(backendSnapshot(makeRoot([backend, frontend], 'a: 2\n'))).not.toBe(before);
  });

  it('reads the generation the root holds from the layer file of its last install', () => {
    expect(installedGeneration(makeRoot([backend], '', 7))).toBe(7);
    expect(installedGeneration(makeRoot([backend], ''))).toBeNull();
  });
});
