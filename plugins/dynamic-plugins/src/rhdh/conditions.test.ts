import { parseCondition } from './conditions';

const service = {
  kind: 'Component',
  spec: { type: 'service' },
  metadata: { annotations: { 'github.com/project-slug': 'acme/payments' } },
};
const website = { kind: 'Component', spec: { type: 'website' }, metadata: {} };
const api = { kind: 'API', spec: { type: 'openapi' }, metadata: {} };

describe('parseCondition', () => {
  it('matches everything without a condition', () => {
    expect(parseCondition(undefined).matches(api)).toBe(true);
  });

  it('combines isKind, isType and hasAnnotation with allOf', () => {
    const condition = parseCondition({ allOf: [{ isKind: 'component' }, { isType: 'service' }, { hasAnnotation: 'github.com/project-slug' }] });
    expect(condition.matches(service)).toBe(true);
    expect(condition.matches(website)).toBe(false);
    expect(condition.matches(api)).toBe(false);
  });

  it('accepts lists of kinds and anyOf / oneOf', () => {
    expect(parseCondition({ anyOf: [{ isKind: ['api', 'system'] }, { isType: 'website' }] }).matches(website)).toBe(true);
    expect(parseCondition({ anyOf: [{ isKind: ['api', 'system'] }] }).matches(service)).toBe(false);
    const oneOf = parseCondition({ oneOf: [{ isKind: 'component' }, { isType: 'service' }] });
    expect(oneOf.matches(website)).toBe(true);
    expect(oneOf.matches(service)).toBe(false);
  });

  it('returns exported condition names for later evaluation', () => {
    const condition = parseCondition({ allOf: [{ isKind: 'component' }, 'isGithubAvailable', { isArgocdAvailable: {} }] });
    expect(condition.exported).toEqual(['isGithubAvailable', 'isArgocdAvailable']);
    expect(condition.matches(service)).toBe(true);
  });

  it('rejects unknown combinators with a message naming the key', () => {
    expect(() => parseCondition({ someOf: [] })).toThrow(/unknown key 'someOf'/);
    expect(() => parseCondition('isKind')).toThrow(/must be an object/);
  });
});
