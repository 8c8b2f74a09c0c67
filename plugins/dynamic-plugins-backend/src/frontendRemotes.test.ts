import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFrontendRemote } from './frontendRemotes';

function remoteFolder(manifest: object | string, files: string[] = ['remoteEntry.js']) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-'));
  fs.mkdirSync(path.join(dir, 'dist'));
  fs.writeFileSync(path.join(dir, 'dist/mf-manifest.json'), typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
  for (const file of files) fs.writeFileSync(path.join(dir, 'dist', file), '');
  return dir;
}

const manifest = {
  name: 'acme__plugin_x',
  metaData: { remoteEntry: { name: 'remoteEntry.js', path: '' } },
  exposes: [{ name: '.' }, { name: 'alpha' }],
  shared: [{ name: 'react', version: '*' }, { name: '@mui/material/styles', version: '5.16.0' }],
};

describe('readFrontendRemote', () => {
  it('lists a module federation remote in the remotes-server contract', () => {
    const dir = remoteFolder(manifest);
    const pkg = { name: '@acme/plugin-x', devportal: { compatibility: { shared: { react: '18.3.1' } } } };
    const read = readFrontendRemote(dir, pkg);
    expect(read).toEqual({
      served: {
        assetsDir: path.join(dir, 'dist'),
        remote: {
          packageName: '@acme/plugin-x',
          remoteInfo: {
            name: 'acme__plugin_x',
            entry: 'remotes/%40acme%2Fplugin-x/remoteEntry.js',
          },
          exposedModules: ['.', 'alpha'],
          shared: { react: '18.3.1', '@mui/material/styles': '5.16.0' },
        },
      },
    });
  });

  it('passes on the wiring a package ships in app-config.dynamic.yaml', () => {
    const dir = remoteFolder(manifest);
    fs.writeFileSync(
      path.join(dir, 'app-config.dynamic.yaml'),
      'dynamicPlugins:\n  frontend:\n    acme.plugin-x:\n      dynamicRoutes:\n        - path: /x\n          importName: XPage\n',
    );
    const read = readFrontendRemote(dir, { name: '@acme/plugin-x' });
    expect('served' in read && read.served.remote.defaultWiring).toEqual({
      'acme.plugin-x': { dynamicRoutes: [{ path: '/x', importName: 'XPage' }] },
    });
  });

  it('says what is wrong with a folder that is not a remote', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'remote-'));
    expect(readFrontendRemote(empty, { name: 'a' })).toEqual({ problem: expect.stringMatching(/no dist\/mf-manifest.json/) });
    expect(readFrontendRemote(remoteFolder('{'), { name: 'a' })).toEqual({ problem: expect.stringMatching(/not valid JSON/) });
    expect(readFrontendRemote(remoteFolder(manifest, []), { name: 'a' })).toEqual({ problem: 'its remote entry dist/remoteEntry.js is missing' });
    expect(readFrontendRemote(remoteFolder({ name: 'a' }), { name: 'a' })).toEqual({ problem: expect.stringMatching(/lacks/) });
  });
});
