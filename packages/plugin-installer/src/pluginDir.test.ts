import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recover, switchRoot } from './activate';
import { isSafePluginDir } from './pluginDir';

describe('isSafePluginDir', () => {
  it('accepts one path segment inside the root', () => {
    for (const name of ['acme-plugin-1.0.0', 'local a', 'backstage-plugin-x-1.0.0-rc.1+build']) {
      expect(isSafePluginDir(name, '/root')).toBe(true);
    }
  });

  it('refuses separators, dot names, empty and overlong names', () => {
    for (const name of ['', '.', '..', '../x', 'x/../../y', 'a/b', 'a\\b', 'x\0', '.devportal-install.lock', 'x'.repeat(256), 42]) {
      expect(isSafePluginDir(name, '/root')).toBe(false);
    }
  });
});

describe('the root switch', () => {
  it('refuses to move or remove a folder outside the root, planned or read back from a journal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-switch-'));
    try {
      const root = path.join(dir, 'root');
      fs.mkdirSync(path.join(root, '.devportal-staging-x'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'victim'), 'keep me');
      await expect(
        switchRoot(root, { staging: path.join(root, '.devportal-staging-x'), replace: [], remove: ['../victim'], files: [] }),
      ).rejects.toMatchObject({ code: 'UNSAFE_PLUGIN_DIR' });
      fs.writeFileSync(
        path.join(root, '.devportal-install.journal.json'),
        JSON.stringify({ staging: '.devportal-staging-x', trash: '.devportal-trash-x', replace: [], remove: ['../victim'], files: [] }),
      );
      await expect(recover(root)).rejects.toMatchObject({ code: 'UNSAFE_PLUGIN_DIR', message: expect.stringContaining('"../victim"') });
      expect(fs.readFileSync(path.join(dir, 'victim'), 'utf8')).toBe('keep me');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
