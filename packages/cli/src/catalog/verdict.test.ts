import { backendVerdict, frontendVerdict, parseSmokeSpec } from './verdict';

describe('smoke specs', () => {
  it('accepts a backend route probe, a clean needs-config failure and a frontend page', () => {
    expect(parseSmokeSpec('backend', { get: '/api/x', expect: '"ok"' }).spec).toBeDefined();
    expect(parseSmokeSpec('module', { needsConfig: 'kafka' }).spec).toBeDefined();
    expect(parseSmokeSpec('frontend', { page: '/x', text: 'Hello', annotations: { a: 'b' } }).spec).toBeDefined();
  });

  it('names what is wrong', () => {
    expect(parseSmokeSpec('backend', undefined).error).toMatch(/no smoke/);
    expect(parseSmokeSpec('backend', { get: '/api/x' }).error).toMatch(/get and expect/);
    expect(parseSmokeSpec('backend', { get: 'api/x', expect: 'x' }).error).toMatch(/smoke.get/);
    expect(parseSmokeSpec('frontend', { get: '/api/x', expect: 'x' }).error).toMatch(/page/);
    expect(parseSmokeSpec('frontend', { page: '/x', text: '(' }).error).toMatch(/smoke.text/);
    expect(parseSmokeSpec('backend', { get: '/x', expect: 'x', extra: 1 }).error).toMatch(/unknown key extra/);
  });
});

describe('backend verdicts', () => {
  const spec = { get: '/api/kubernetes/clusters', expect: '"name":"smoke"' };

  it('passes only when the route answers what the plugin should say', () => {
    expect(backendVerdict(spec, { state: 'loaded', probe: { status: 200, body: '{"items":[{"name":"smoke"}]}' } }).result).toBe('pass');
    const wrong = backendVerdict(spec, { state: 'loaded', probe: { status: 200, body: '{"items":[]}' } });
    expect(wrong).toEqual({ result: 'fail', reason: expect.stringContaining('without /"name":"smoke"/') });
    expect(backendVerdict(spec, { state: 'loaded', probe: { status: 404, body: 'Not Found' } }).reason).toMatch(/answered 404: Not Found/);
    expect(backendVerdict(spec, { state: 'loaded', probe: { error: 'ECONNRESET' } }).reason).toMatch(/ECONNRESET/);
  });

  it('fails a plugin the portal did not load, with the loader reason', () => {
    expect(backendVerdict(spec, {})).toEqual({ result: 'fail', reason: expect.stringMatching(/not loaded/) });
    expect(backendVerdict(spec, { state: 'incompatible', reason: 'needs backend-plugin-api ^0.7.0' }).reason).toBe('incompatible: needs backend-plugin-api ^0.7.0');
  });

  it('counts a failure that names the missing config as a clean one, and nothing else', () => {
    const needs = { needsConfig: 'kafka' };
    expect(backendVerdict(needs, { state: 'failed', reason: "Missing required config value at 'kafka.clientId'" }).result).toBe('pass');
    expect(backendVerdict(needs, { state: 'failed', reason: 'TypeError: x is not a function' }).result).toBe('fail');
    expect(backendVerdict(needs, { state: 'loaded' }).result).toBe('fail');
  });
});

describe('frontend verdicts', () => {
  const spec = { page: '/tech-radar', text: 'ADOPT' };

  it('passes when the text rendered and no error boundary showed', () => {
    expect(frontendVerdict(spec, { state: 'loaded', found: true }).result).toBe('pass');
    expect(frontendVerdict(spec, { state: 'loaded', found: true, boundary: 'The plugin x failed' }).reason).toMatch(/error boundary: The plugin x failed/);
    expect(frontendVerdict(spec, { state: 'loaded', found: false, shown: 'Loading' }).reason).toMatch(/no \/ADOPT\/.*shown: Loading/);
    expect(frontendVerdict(spec, { state: 'failed', reason: 'bad remote' }).reason).toBe('failed: bad remote');
    expect(frontendVerdict(spec, {}).result).toBe('fail');
  });
});
