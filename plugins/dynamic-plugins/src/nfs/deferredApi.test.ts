import { deferredApiFactory, type RealApiFactory } from './deferredApi';

const described = { api: 'plugin.demo.api', deps: { config: 'core.config' } };
const realFactory: RealApiFactory = { factory: deps => ({ hello: (name: string) => `hello ${name} (${Object.keys(deps)})`, sync: () => 'sync' }) };

describe('deferredApiFactory', () => {
  it('registers the API and its dependencies by id, without the code', () => {
    const factory = deferredApiFactory(described, () => undefined, jest.fn()) as any;
    expect(factory.api.id).toBe('plugin.demo.api');
    expect(factory.deps.config.id).toBe('core.config');
  });

  it('creates the real API when the code is there', () => {
    const loadReal = jest.fn();
    const api = (deferredApiFactory(described, () => realFactory, loadReal) as any).factory({ config: {} });
    expect(api.sync()).toBe('sync');
    expect(loadReal).not.toHaveBeenCalled();
  });

  it('forwards calls made before the code is there, once it has loaded', async () => {
    const loadReal = jest.fn(async () => realFactory);
    const api = (deferredApiFactory(described, () => undefined, loadReal) as any).factory({ config: {} });
    await expect(api.hello('world')).resolves.toBe('hello world (config)');
    expect(api.then).toBeUndefined();
    expect(loadReal).toHaveBeenCalledTimes(1);
  });
});
