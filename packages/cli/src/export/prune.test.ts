import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pruneUnreachable } from './prune';

function pkg(dir: string, name: string, dependencies: Record<string, string> = {}) {
  fs.mkdirSync(path.join(dir, 'node_modules', name), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, dependencies }));
}

describe('pruneUnreachable', () => {
  it('keeps what the plugin reaches and drops what hangs below host packages and type declarations', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'prune-'));
    pkg(dir, 'http-proxy-middleware', { 'http-proxy': '1', '@types/http-proxy': '1' });
    pkg(dir, 'http-proxy', { eventemitter3: '4' });
    pkg(dir, 'eventemitter3');
    pkg(dir, '@types/http-proxy', { '@types/node': '*' });
    pkg(dir, '@types/node', { 'undici-types': '*' });
    pkg(dir, 'undici-types');
    pkg(dir, '@backstage/plugin-proxy-node', { 'only-for-host-copy': '1' });
    pkg(dir, 'only-for-host-copy');

    const removed = await pruneUnreachable(dir, ['http-proxy-middleware', '@backstage/plugin-proxy-node'], name => name.startsWith('@backstage/'));

    const left = (name: string) => fs.existsSync(path.join(dir, 'node_modules', name));
    expect(['http-proxy-middleware', 'http-proxy', 'eventemitter3'].filter(left)).toEqual(['http-proxy-middleware', 'http-proxy', 'eventemitter3']);
    expect(['@types/http-proxy', '@types/node', 'undici-types', '@backstage/plugin-proxy-node', 'only-for-host-copy'].filter(left)).toEqual([]);
    expect(removed).toBe(5);
  });
});
