import { managedPlugins } from './installedView';

describe('managedPlugins and the trust policy', () => {
  it("shows the installer's trust result for what is in the root, and none for what is not installed", () => {
    const trust = { status: 'unsigned' as const, mode: 'audit' as const, method: 'cosign', detail: 'no signature' };
    const plugins = managedPlugins({
      effective: [
        { key: '@acme/a', package: '@acme/a@1.0.0', enabled: true, inLayer: false },
        { key: '@acme/b', package: '@acme/b@1.0.0', enabled: true, inLayer: true },
      ],
      state: {
        version: 1,
        files: [],
        inputs: '',
        offline: true,
        plugins: { '@acme/a': { key: '@acme/a', package: '@acme/a@1.0.0', folder: 'acme-a', name: '@acme/a', version: '1.0.0', source: 'oci', fingerprint: 'f', trust } },
        disabled: [],
        warnings: [],
      },
      status: [],
      pending: [],
      generations: [],
    });
    expect(plugins.map(p => p.trust)).toEqual([trust, undefined]);
  });
});
