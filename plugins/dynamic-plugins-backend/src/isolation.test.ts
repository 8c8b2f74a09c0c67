import { createBackendPlugin, createServiceRef, coreServices } from '@backstage/backend-plugin-api';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { isolateFeature } from './isolation';
import { DynamicPluginStatusStore } from './status';

function plugin(pluginId: string, init: () => Promise<void>, deps: Record<string, any> = {}) {
  return createBackendPlugin({
    pluginId,
    register(env) {
      env.registerInit({ deps: { logger: coreServices.logger, ...deps }, init });
    },
  });
}

describe('isolateFeature', () => {
  const isolate = (status: DynamicPluginStatusStore, name: string, feature: any, timeoutMs = 5000) => {
    status.set({ package: name, version: '1.0.0', source: 'npm', kind: 'backend-plugin', state: 'loaded' });
    return isolateFeature(feature, { packageName: name, status, logger: mockServices.logger.mock(), timeoutMs });
  };

  it('lets the backend start when one plugin throws in init and another hangs, and says which and why', async () => {
    const status = new DynamicPluginStatusStore();
    let healthyStarted = false;
    const backend = await startTestBackend({
      features: [
        isolate(status, '@acme/throws', plugin('throws', async () => { throw new Error('no database for me'); })),
        isolate(status, '@acme/hangs', plugin('hangs', () => new Promise<void>(() => {})), 200),
        isolate(status, '@acme/healthy', plugin('healthy', async () => { healthyStarted = true; })),
      ],
    });
    try {
      expect(healthyStarted).toBe(true);
      const byName = Object.fromEntries(status.list().map(s => [s.package, s]));
      expect(byName['@acme/throws']).toMatchObject({ state: 'failed', reason: 'plugin throws: no database for me' });
      expect(byName['@acme/hangs']).toMatchObject({ state: 'failed', reason: 'plugin hangs: init did not finish within 200 ms' });
      expect(byName['@acme/healthy']).toMatchObject({ state: 'loaded', initMs: expect.any(Number) });
    } finally {
      await backend.stop();
    }
  });

  it('drops a registration whose dependency the host does not provide instead of refusing to start', async () => {
    const status = new DynamicPluginStatusStore();
    // What a plugin built against another release sees: an import that is undefined here.
    const missing = plugin('needs-missing', async () => {}, { gone: undefined });
    const backend = await startTestBackend({ features: [isolate(status, '@acme/needs-missing', missing)] });
    try {
      expect(status.get('@acme/needs-missing')).toMatchObject({
        state: 'failed',
        reason: "plugin needs-missing: depends on 'gone', which this host's Backstage packages do not provide",
      });
    } finally {
      await backend.stop();
    }
  });

  it('passes features it cannot wrap through unchanged', () => {
    const status = new DynamicPluginStatusStore();
    const ref = createServiceRef<string>({ id: 'acme.thing' });
    const notRegistrations = { $$type: '@backstage/BackendFeature', service: ref } as any;
    expect(isolate(status, '@acme/x', notRegistrations)).toBe(notRegistrations);
  });
});
