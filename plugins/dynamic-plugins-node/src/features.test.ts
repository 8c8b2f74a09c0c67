import { featuresOf, NotABackendFeatureError } from './features';

const feature = (id: string) => ({ $$type: '@backstage/BackendFeature', id });

describe('featuresOf', () => {
  it("takes RHDH's dynamicPluginInstaller first, on the module or its default export", () => {
    const a = feature('a');
    const b = feature('b');
    expect(featuresOf({ dynamicPluginInstaller: { kind: 'new', install: () => [a, b] }, default: feature('ignored') })).toEqual([a, b]);
    expect(featuresOf({ default: { dynamicPluginInstaller: { kind: 'new', install: () => a } } })).toEqual([a]);
  });

  it('takes a BackendFeature default export, else the module itself', () => {
    const a = feature('a');
    expect(featuresOf({ default: a })).toEqual([a]);
    expect(featuresOf(a)).toEqual([a]);
  });

  it('refuses a module with no feature, a legacy installer, or an installer that gives something else', () => {
    expect(() => featuresOf({ default: () => {} })).toThrow(NotABackendFeatureError);
    expect(() => featuresOf({ dynamicPluginInstaller: { kind: 'legacy', router: {} } })).toThrow(NotABackendFeatureError);
    expect(() => featuresOf({ dynamicPluginInstaller: { kind: 'new', install: () => [{}] } })).toThrow(NotABackendFeatureError);
    expect(() => featuresOf(undefined)).toThrow('does not export a BackendFeature');
  });
});
