import * as runtimeCore from '@module-federation/runtime-core';
import type { ModuleFederationRuntimePlugin } from '@module-federation/runtime';

declare global {
  // eslint-disable-next-line no-var
  var _FEDERATION_RUNTIME_CORE: typeof runtimeCore | undefined;
}

/**
 * Remotes exported by `devportal plugin export` are built with module
 * federation's `externalRuntime`: instead of a copy of the runtime each, they
 * use the one this global holds (what
 * @module-federation/inject-external-runtime-core-plugin does; its typings
 * do not import cleanly as ESM).
 */
export function externalRuntimePlugin(): ModuleFederationRuntimePlugin {
  return {
    name: 'devportal-external-runtime-core',
    beforeInit(args) {
      globalThis._FEDERATION_RUNTIME_CORE ??= runtimeCore;
      return args;
    },
  };
}
