import { AllowedDecisions, bearerToken } from './allowedDecisions';

describe('AllowedDecisions', () => {
  afterEach(() => jest.useRealTimers());

  it('keeps an ALLOW for the same token and permission until the time is up', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const decisions = new AllowedDecisions(10_000);
    expect(decisions.has('token-a', 'devportal.plugins.install')).toBe(false);
    decisions.remember('token-a', 'devportal.plugins.install');
    expect(decisions.has('token-a', 'devportal.plugins.install')).toBe(true);
    jest.setSystemTime(1_000_000 + 9_999);
    expect(decisions.has('token-a', 'devportal.plugins.install')).toBe(true);
    // A revoked admin is asked again, and refused, once the time is up.
    jest.setSystemTime(1_000_000 + 10_000);
    expect(decisions.has('token-a', 'devportal.plugins.install')).toBe(false);
  });

  it('does not carry a decision to another token or another permission', () => {
    const decisions = new AllowedDecisions();
    decisions.remember('token-a', 'devportal.plugins.install');
    expect(decisions.has('token-b', 'devportal.plugins.install')).toBe(false);
    expect(decisions.has('token-a', 'devportal.plugins.configure')).toBe(false);
  });

  it('keeps nothing for a request without a token', () => {
    const decisions = new AllowedDecisions();
    decisions.remember(undefined, 'devportal.plugins.install');
    expect(decisions.has(undefined, 'devportal.plugins.install')).toBe(false);
  });

  it('holds hashes, not tokens', () => {
    const decisions = new AllowedDecisions();
    decisions.remember('secret-token-value', 'devportal.plugins.install');
    const held = JSON.stringify([...(decisions as unknown as { allowed: Map<string, number> }).allowed.keys()]);
    expect(held).not.toContain('secret-token-value');
  });
});

describe('bearerToken', () => {
  it('reads a bearer token and nothing else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });
});
