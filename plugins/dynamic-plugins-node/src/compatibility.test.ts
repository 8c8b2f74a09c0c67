import { declaredCompatibility, incompatibility } from './compatibility';

const host = { backstage: '1.55.0', backendPluginApi: '1.10.1' };

describe('incompatibility', () => {
  it.each([
    ['nothing declared', {}, undefined],
    ['the same release', { backstage: '1.55.0', backendPluginApi: '^1.10.0' }, undefined],
    ['an older release with a matching API range', { backstage: '1.28.4', backendPluginApi: '^1.0.0' }, undefined],
    ['a newer patch of the same release line', { backstage: '1.55.3' }, undefined],
    ['a newer release', { backstage: '1.56.0' }, /built for Backstage 1.56.0, newer than the host's 1.55.0/],
    ['an API range the host does not satisfy', { backendPluginApi: '^2.0.0' }, /needs @backstage\/backend-plugin-api \^2.0.0, the host has 1.10.1/],
    ['an API range above the host', { backendPluginApi: '^1.11.0' }, /needs @backstage\/backend-plugin-api/],
    ['an invalid range (not judged)', { backendPluginApi: 'not a range' }, undefined],
    ['an unreadable release (not judged)', { backstage: 'next' }, undefined],
  ])('%s', (_what, declared, expected) => {
    const reason = incompatibility(declared, host);
    if (expected === undefined) expect(reason).toBeUndefined();
    else expect(reason).toMatch(expected);
  });

  it('checks the API range first: it is the harder constraint', () => {
    expect(incompatibility({ backstage: '1.60.0', backendPluginApi: '^2.0.0' }, host)).toMatch(/backend-plugin-api/);
  });

  it('does not judge the release when the host has none', () => {
    expect(incompatibility({ backstage: '1.99.0' }, { backendPluginApi: '1.10.1' })).toBeUndefined();
  });
});

describe('declaredCompatibility', () => {
  it("prefers DevPortal's own fields, then RHDH's peer dependency", () => {
    expect(declaredCompatibility({ devportal: { compatibility: { backstage: '1.55.0', backendPluginApi: '^1.10.0' } } })).toEqual({
      backstage: '1.55.0',
      backendPluginApi: '^1.10.0',
    });
    expect(declaredCompatibility({ peerDependencies: { '@backstage/backend-plugin-api': '^0.6.0' } })).toEqual({
      backstage: undefined,
      backendPluginApi: '^0.6.0',
    });
  });
});
