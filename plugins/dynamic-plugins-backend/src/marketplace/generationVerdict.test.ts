import type { DynamicPluginStatus } from '@devportal/plugin-dynamic-plugins-common';
import type { DesiredStateStore } from '@devportal/plugin-dynamic-plugins-node';
import { generationVerdict } from './generationVerdict';

const storeWith = (diff: unknown[]) => ({ getGeneration: async (id: number) => ({ id, diff }) }) as unknown as DesiredStateStore;
const failed = (pkg: string, reason: string): DynamicPluginStatus => ({ package: pkg, version: '1.0.0', source: 'npm', kind: 'backend-plugin', state: 'failed', reason });

describe('generationVerdict', () => {
  it('is unhealthy when a plugin the generation added or changed failed to start, naming it and why', async () => {
    const store = storeWith([{ key: '@acme/broken', change: 'added', to: '@acme/broken@1.0.0' }]);
    expect(await generationVerdict(store, 4, [failed('@acme/broken', 'boom at init')])).toEqual({
      type: 'devportal:generation-verdict',
      generation: 4,
      healthy: false,
      reason: 'plugin @acme/broken failed to start: boom at init',
    });
  });

  it('is healthy when the failed plugin was not touched by the generation (it failed before too)', async () => {
    const store = storeWith([{ key: '@acme/other', change: 'version', from: '1.0.0', to: '1.1.0' }]);
    expect((await generationVerdict(store, 4, [failed('@acme/broken', 'boom')])).healthy).toBe(true);
  });

  it('is healthy before any generation, and ignores plugins the generation removed', async () => {
    expect((await generationVerdict(storeWith([]), null, [failed('@acme/broken', 'boom')])).healthy).toBe(true);
    const store = storeWith([{ key: '@acme/broken', change: 'disabled' }]);
    expect((await generationVerdict(store, 5, [failed('@acme/broken', 'boom')])).healthy).toBe(true);
  });
});
