import { describeTrust, parseInstallState, parseTrustResult } from './index';

describe('trust results in the installer state', () => {
  it('keeps a well-formed result on its record', () => {
    const trust = { status: 'verified', mode: 'enforce', by: 'key acme', method: 'cosign' };
    const state = parseInstallState(JSON.stringify({ version: 1, plugins: { a: { folder: 'a', trust } } }));
    expect(state?.plugins.a.trust).toEqual(trust);
  });

  it('drops a malformed result rather than show a guess', () => {
    const state = parseInstallState(
      JSON.stringify({ version: 1, plugins: { a: { folder: 'a', trust: { status: 'trusted-ish', mode: 'enforce' } } } }),
    );
    expect(state?.plugins.a).toEqual({ folder: 'a' });
    expect(parseTrustResult({ status: 'verified', mode: 'sometimes' })).toBeUndefined();
    expect(parseTrustResult(['verified'])).toBeUndefined();
  });

  it('describes each status in one phrase', () => {
    expect(describeTrust({ status: 'verified', mode: 'audit', by: 'key acme' })).toBe('verified by key acme');
    expect(describeTrust({ status: 'unsigned', mode: 'enforce', detail: 'allowed: in-house' })).toBe('unsigned (allowed: in-house)');
    expect(describeTrust(undefined)).toBe('not-checked');
  });
});
