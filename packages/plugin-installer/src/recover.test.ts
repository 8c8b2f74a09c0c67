import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recover } from './activate';

describe('recover', () => {
  it('removes the temporary files of a state or journal write that was killed, and nothing else', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-recover-'));
    try {
      for (const name of ['..devportal-install.journal.json.28891.tmp', '..devportal-installed.json.7.tmp', '.devportal-installed.json', 'acme-plugin-a-1.0.0']) {
        fs.writeFileSync(path.join(root, name), 'x');
      }
      expect(await recover(root)).toBe(false);
      expect(fs.readdirSync(root).sort()).toEqual(['.devportal-installed.json', 'acme-plugin-a-1.0.0']);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
