/*
 * Preloaded (`node -r`) into `backstage-cli package build --module-federation`
 * by `devportal plugin export`. backstage-cli's remote build takes no module
 * federation options: it shares only react, react-router and MUI styles, and
 * puts a copy of the module federation runtime into every remoteEntry.js.
 * This wraps the ModuleFederationPlugin it constructs to add, from
 * DEVPORTAL_MF_BUILD (JSON):
 *   - `shared`: more packages the app provides (no fallback copy), and
 *   - `externalRuntime`: take the runtime from the app (the app's loader
 *     registers @module-federation/inject-external-runtime-core-plugin).
 */
const Module = require('node:module');

const options = JSON.parse(process.env.DEVPORTAL_MF_BUILD || '{}');
const originalLoad = Module._load;
const wrapped = new Map();

function wrapPlugin(Plugin) {
  return class DevPortalModuleFederationPlugin extends Plugin {
    constructor(pluginOptions) {
      super({
        ...pluginOptions,
        shared: { ...pluginOptions.shared, ...options.shared },
        experiments: { ...pluginOptions.experiments, ...(options.externalRuntime ? { externalRuntime: true } : {}) },
      });
    }
  };
}

Module._load = function load(request, parent, isMain) {
  const exported = originalLoad.call(this, request, parent, isMain);
  if (request !== '@module-federation/enhanced/rspack' && request !== '@module-federation/enhanced/webpack') {
    return exported;
  }
  if (!wrapped.has(exported)) {
    wrapped.set(exported, new Proxy(exported, {
      get(target, key) {
        const value = target[key];
        return key === 'ModuleFederationPlugin' ? wrapPlugin(value) : value;
      },
    }));
  }
  return wrapped.get(exported);
};
