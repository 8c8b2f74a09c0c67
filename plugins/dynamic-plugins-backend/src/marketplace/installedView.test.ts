import { managedPlugins } from './installedView';

describe('managedPlugins', () => {
  const record = (key: string, folder: string) => ({ key, package: `${key}@1.0.0`, folder, name: key, version: '1.0.0', source: 'npm' as const, fingerprint: 'f' });
  const state = {
    version: 1 as const,
    files: [],
    inputs: '',
    offline: true,
    plugins: { '@acme/a': record('@acme/a', 'acme-a'), '@acme/new': record('@acme/new', 'acme-new') },
    disabled: [],
    warnings: [],
  };

  it('joins the effective list with the root, the status of this process, staged changes and the history', () => {
    const plugins = managedPlugins({
      effective: [
        { key: '@acme/a', package: '@acme/a@1.0.0', enabled: true, inLayer: true, base: { package: '@acme/a@0.9.0', locked: false } },
        { key: './bundled', package: './bundled', enabled: false, inLayer: false, base: { package: './bundled', locked: true }, source: 'local' },
        { key: '@acme/new', package: '@acme/new@1.0.0', enabled: true, inLayer: true },
        { key: '@acme/staged', package: '@acme/staged@1.0.0', enabled: true, inLayer: false },
      ],
      state: state as any,
      status: [{ package: '@acme/a', version: '1.0.0', source: 'npm', kind: 'backend-plugin', state: 'failed', reason: 'init threw', initMs: 5, folder: 'acme-a' }],
      pending: [{ id: 1, key: '@acme/staged', action: 'configure', package: '@acme/staged', author: 'user:default/jane', createdAt: 't' }],
      generations: [
        { id: 2, state: 'failed', author: 'user:default/joe', createdAt: 't2', diff: [{ key: '@acme/a', change: 'config' }] },
        { id: 1, state: 'serving', author: 'user:default/jane', createdAt: 't1', finishedAt: 't1b', diff: [{ key: '@acme/a', change: 'added' }] },
      ],
    });
    expect(plugins.map(p => [p.key, p.state, p.origin, p.locked])).toEqual([
      ['@acme/a', 'failed', 'marketplace', false],
      ['./bundled', 'disabled', 'yaml', true],
      ['@acme/new', 'pending', 'marketplace', false],
      ['@acme/staged', 'pending', 'yaml', false],
    ]);
    expect(plugins[0]).toMatchObject({ name: '@acme/a', reason: 'init threw', initMs: 5, version: '1.0.0', source: 'npm', changedBy: 'user:default/jane', changedAt: 't1b' });
    expect(plugins[1].source).toBe('bundled');
    expect(plugins[2].reason).toBe('installed; serves after the restart');
    expect(plugins[3].reason).toBe('a staged change waits for Apply');
  });
});
