import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { recover } from './activate';

describe('recover', () => {
  it('removes the temporary files of a state or journal write that was killed, and nothing else', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-recover-'));
    try {
      // What writeFileAtomically leaves when killed before its rename: `.<name>.<pid>.tmp`.
      const leftovers = ['..devportal-install.journal.json.28891.tmp', `.${INSTALLER_STATE_FILE}.7.tmp`];
      for (const name of [...leftovers, INSTALLER_STATE_FILE, 'acme-plugin-a-1.0.0']) {
        fs.writeFileSync(path.join(root, name), 'x');
      }
      expect(await recover(root)).toBe(false);
      expect(fs.readdirSync(root).sort()).toEqual([INSTALLER_STATE_FILE, 'acme-plugin-a-1.0.0'].sort());
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
