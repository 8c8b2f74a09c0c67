import { declaredCompatibility, incompatibility, judgeCompatibility } from './compatibility';

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
    ['a pre-1.0 range older than 0.6', { backendPluginApi: '^0.5.10' }, /needs @backstage\/backend-plugin-api \^0.5.10, the host has 1.10.1/],
    ['a 0.x range reaching below 0.6', { backendPluginApi: '>=0.4.0 <1.0.0' }, /needs @backstage\/backend-plugin-api/],
    ['a pre-1.0 range from 0.6 on (accepted with a warning)', { backendPluginApi: '^0.7.0' }, undefined],
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

describe('judgeCompatibility', () => {
  it('accepts a matching range without a warning', () => {
    expect(judgeCompatibility({ backstage: '1.55.0', backendPluginApi: '^1.10.0' }, host)).toEqual({ verdict: 'compatible' });
    expect(judgeCompatibility({}, host)).toEqual({ verdict: 'compatible' });
  });

  it.each([['^0.7.0'], ['^0.6.0'], ['0.8.1'], ['~0.6.19'], ['>=0.6.0 <0.9.0']])(
    'accepts %s (pre-1.0, from 0.6 on) on a 1.x host, with a warning naming the range and the host version',
    range => {
      const judgement = judgeCompatibility({ backendPluginApi: range }, host);
      expect(judgement.verdict).toBe('warning');
      expect(judgement.verdict === 'warning' && judgement.reason).toContain(`declares @backstage/backend-plugin-api ${range} (pre-1.0), the host has 1.10.1`);
    },
  );

  it.each([['^0.5.0'], ['0.x'], ['^0.7.0 || ^2.0.0']])('refuses %s: not wholly inside the stabilised 0.x line', range => {
    expect(judgeCompatibility({ backendPluginApi: range }, host)).toEqual({
      verdict: 'refused',
      reason: `needs @backstage/backend-plugin-api ${range}, the host has 1.10.1`,
    });
  });

  it('refuses a 0.x range on a host past 1.x: the rule covers the 0.x to 1.0 stabilisation only', () => {
    expect(judgeCompatibility({ backendPluginApi: '^0.7.0' }, { backendPluginApi: '2.0.0' }).verdict).toBe('refused');
  });

  it('still refuses a pre-1.0 plugin built for a newer Backstage release than the host', () => {
    expect(judgeCompatibility({ backstage: '1.56.0', backendPluginApi: '^0.7.0' }, host)).toEqual({
      verdict: 'refused',
      reason: "was built for Backstage 1.56.0, newer than the host's 1.55.0",
    });
  });

  it('keeps the warning when the release is fine (an RHDH package built for Backstage 1.28)', () => {
    expect(judgeCompatibility({ backstage: '1.28.4', backendPluginApi: '^0.7.0' }, host).verdict).toBe('warning');
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
