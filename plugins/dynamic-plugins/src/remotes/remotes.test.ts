import { exposedModuleOf, fetchRemotes, incompatibleSingletons, remoteRequest, unexposedModuleNote } from './remotes';

const host = {
  react: { version: '18.3.1', shareConfig: { singleton: true } },
  'react-router-dom': { version: '6.30.6', shareConfig: { singleton: true } },
  '@mui/material/styles': { version: '5.0.0', shareConfig: { singleton: false } },
};

describe('remotes', () => {
  it('refuses a remote built against another major of a singleton, naming both versions', () => {
    const remote = { packageName: 'p', remoteInfo: { name: 'p', entry: 'e' }, exposedModules: ['.'] };
    expect(incompatibleSingletons({ ...remote, shared: { react: '18.2.0', 'react-router-dom': '6.22.0' } }, host)).toEqual([]);
    expect(incompatibleSingletons({ ...remote, shared: { react: '19.0.0' } }, host)).toEqual(['react 19.0.0 (the app has 18.3.1)']);
    expect(incompatibleSingletons({ ...remote, shared: { '@mui/material/styles': '6.0.0' } }, host)).toEqual([]);
  });

  it('maps exposed modules to module federation requests', () => {
    expect(remoteRequest('my_plugin', '.')).toBe('my_plugin');
    expect(remoteRequest('my_plugin', './alpha')).toBe('my_plugin/alpha');
    expect(remoteRequest('my_plugin', 'PluginRoot')).toBe('my_plugin/PluginRoot');
  });

  it("resolves RHDH's Scalprum module names to the entry points a build exposes, and says when one is missing", () => {
    const withLegacy = { exposedModules: ['.', './alpha', './legacy'] };
    expect(exposedModuleOf(withLegacy, 'PluginRoot')).toBe('.');
    expect(exposedModuleOf(withLegacy, 'Legacy')).toBe('./legacy');
    expect(exposedModuleOf(withLegacy, 'Alpha')).toBe('./alpha');
    expect(exposedModuleOf(withLegacy, './alpha')).toBe('./alpha');
    expect(unexposedModuleNote(withLegacy, 'Legacy')).toBeUndefined();
    // Adoption Insights exported for DevPortal: Backstage's build exposes only `.`.
    const rootOnly = { exposedModules: ['.'] };
    expect(exposedModuleOf(rootOnly, 'Legacy')).toBe('.');
    expect(unexposedModuleNote(rootOnly, 'PluginRoot')).toBeUndefined();
    expect(unexposedModuleNote(rootOnly, 'Legacy')).toBe('this build exposes no module Legacy (it exposes .), so it was looked for in .');
  });

  it('lists remotes from the backend and drops malformed entries', async () => {
    const fetchImpl = jest.fn(async () => ({
      ok: true,
      json: async () => [
        { packageName: 'a', remoteInfo: { name: 'a', entry: 'remotes/a/remoteEntry.js' }, exposedModules: ['.'] },
        { packageName: 's', remoteInfo: { name: 's', entry: 'remotes/s/plugin-manifest.json' }, exposedModules: ['PluginRoot'], scalprum: { loadScripts: ['remotes/s/s.js'] } },
        { packageName: 'abs', remoteInfo: { name: 'abs', entry: 'http://cdn.example/abs/remoteEntry.js' }, exposedModules: ['.'] },
        { packageName: 'broken' },
      ],
    })) as unknown as typeof fetch;
    const remotes = await fetchRemotes('http://x/', fetchImpl);
    expect(remotes.map(r => r.packageName)).toEqual(['a', 's', 'abs']);
    // Relative references load from where the list came from; absolute ones stay.
    expect(remotes.map(r => r.remoteInfo.entry)).toEqual([
      'http://x/.backstage/dynamic-features/remotes/a/remoteEntry.js',
      'http://x/.backstage/dynamic-features/remotes/s/plugin-manifest.json',
      'http://cdn.example/abs/remoteEntry.js',
    ]);
    expect(remotes[1].scalprum?.loadScripts).toEqual(['http://x/.backstage/dynamic-features/remotes/s/s.js']);
    expect((fetchImpl as jest.Mock).mock.calls[0][0]).toBe('http://x/.backstage/dynamic-features/remotes');
  });
});
