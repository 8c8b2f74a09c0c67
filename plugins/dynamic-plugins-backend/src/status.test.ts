import { parseInstallState } from '@devportal/plugin-dynamic-plugins-common';
import { DynamicPluginStatusStore } from './status';

describe('DynamicPluginStatusStore', () => {
  it("carries each plugin's trust result from the installer state, by folder", () => {
    const state = parseInstallState(
      JSON.stringify({
        version: 1,
        plugins: {
          a: { key: 'a', package: 'a@1.0.0', folder: 'a-1.0.0', name: 'a', version: '1.0.0', source: 'npm', fingerprint: 'x', trust: { status: 'verified', mode: 'enforce', by: 'key release', method: 'npm-registry-signature' } },
          b: { key: 'b', package: 'b@1.0.0', folder: 'b-1.0.0', name: 'b', version: '1.0.0', source: 'npm', fingerprint: 'y' },
        },
      }),
    );
    const store = new DynamicPluginStatusStore();
    // Set before the state is known (a frontend plugin served early): filled in when it is.
    store.set({ package: 'a', version: '1.0.0', source: 'npm', kind: 'backend-plugin', state: 'loaded', folder: 'a-1.0.0' });
    store.useInstallState(state);
    store.set({ package: 'b', version: '1.0.0', source: 'npm', kind: 'backend-plugin', state: 'loaded', folder: 'b-1.0.0' });
    expect(store.list().map(s => [s.package, s.trust])).toEqual([
      ['a', { status: 'verified', mode: 'enforce', by: 'key release', method: 'npm-registry-signature' }],
      ['b', undefined],
    ]);
  });
});
