import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { listInstalledPlugins } from './installedPlugins';
import { readInstallState } from './installerState';

describe('listInstalledPlugins', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'installed-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const record = (folder: string, pkg: string, source: string) => ({ key: pkg, package: pkg, folder, name: pkg, version: '1.0.0', source, fingerprint: 'x' });

  it('lists what the state file says, with role and version from each package, and not a leftover folder', async () => {
    fs.mkdirSync(path.join(root, 'b-dynamic'));
    fs.writeFileSync(path.join(root, 'b-dynamic', 'package.json'), JSON.stringify({ name: '@acme/b', version: '2.0.0', backstage: { role: 'backend-plugin' } }));
    fs.mkdirSync(path.join(root, 'leftover-of-a-disabled-plugin'));
    fs.writeFileSync(
      path.join(root, INSTALLER_STATE_FILE),
      JSON.stringify({ version: 1, plugins: { b: record('b-dynamic', '@acme/b', 'npm'), a: record('a-gone', './local/a', 'local') }, disabled: [] }),
    );
    expect(await listInstalledPlugins(root)).toEqual([
      // A folder that has gone since the install is still listed, from the state.
      { folder: 'a-gone', name: './local/a', version: '', source: 'local' },
      { folder: 'b-dynamic', name: '@acme/b', version: '2.0.0', role: 'backend-plugin', source: 'npm' },
    ]);
  });

  it('lists nothing when no install has run or the state is unreadable', async () => {
    expect(await listInstalledPlugins(root)).toEqual([]);
    fs.writeFileSync(path.join(root, INSTALLER_STATE_FILE), '{"version": 1, "plugins": {');
    expect(readInstallState(root)).toBeUndefined();
    expect(await listInstalledPlugins(root)).toEqual([]);
  });
});
