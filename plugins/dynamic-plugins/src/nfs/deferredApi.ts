import { createApiFactory, createApiRef, type AnyApiFactory } from '@backstage/frontend-plugin-api';
import type { DescribedApiFactory } from '@devportal/plugin-dynamic-plugins-common';

/** An API factory as the plugin's code has it. */
export interface RealApiFactory {
  factory(deps: Record<string, unknown>): any;
}

/**
 * Registers an API from its description, without the plugin's code. The
 * app creates APIs on first use: by then the plugin's code is normally there
 * (its components ask for its APIs), and the real factory creates it. One
 * asked for earlier (by another plugin) gets an object whose method calls
 * wait for the code; Backstage client APIs are asynchronous, so callers see
 * no difference.
 */
export function deferredApiFactory(
  described: DescribedApiFactory,
  real: () => RealApiFactory | undefined,
  loadReal: () => Promise<RealApiFactory>,
): AnyApiFactory {
  return createApiFactory({
    api: createApiRef<any>({ id: described.api }),
    deps: Object.fromEntries(Object.entries(described.deps).map(([name, id]) => [name, createApiRef<any>({ id })])),
    factory: (deps: Record<string, unknown>) => {
      const ready = real();
      if (ready) return ready.factory(deps);
      const instance = loadReal().then(factory => factory.factory(deps));
      return new Proxy(
        {},
        { get: (_, method) => (method === 'then' ? undefined : (...args: unknown[]) => instance.then(api => api[method](...args))) },
      );
    },
  } as never) as AnyApiFactory;
}
