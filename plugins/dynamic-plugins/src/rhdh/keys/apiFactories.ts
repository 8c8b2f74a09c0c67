import { ApiBlueprint, type AnyApiFactory } from '@backstage/frontend-plugin-api';
import type { FrontendRemote } from '@devportal/plugin-dynamic-plugins-common';
import { firstLine } from '../../messages';
import { deferredApiFactory, type RealApiFactory } from '../../nfs/deferredApi';
import { exposedModuleOf } from '../../remotes/remotes';
import type { PluginWiring } from '../config';
import type { ExportLoader, WiringHandler } from '../types';

/** `apiFactories`: each factory (prepared by `loadApiFactories`) is registered as an API of the plugin. */
export const apiFactories: WiringHandler = ({ remote, extensions }) => {
  remote.apiFactories.forEach((factory, index) => {
    extensions.push(ApiBlueprint.make({ name: `api-${index}`, params: defineParams => defineParams(factory) }));
  });
};

/**
 * A legacy plugin's `apiFactories`, before the app starts: it needs every
 * API factory up front. Those its extension manifest describes are
 * registered without its code (see `withDeferredApis`); the others are
 * loaded now, and one that cannot be is reported and left out. Returns the
 * loader the plugin's exports go through from then on.
 */
export async function loadApiFactories(
  remote: FrontendRemote | undefined,
  wiring: PluginWiring,
  baseLoad: ExportLoader,
  onProblem: (message: string) => void,
): Promise<{ load: ExportLoader; apiFactories: AnyApiFactory[] }> {
  const { load, deferred } = withDeferredApis(remote, wiring, baseLoad);
  const factories: AnyApiFactory[] = [...deferred];
  for (const api of wiring.apiFactories.filter(a => !deferred.some(d => d.importName === a.importName))) {
    try {
      factories.push((await load(api.module, api.importName)) as AnyApiFactory);
    } catch (error) {
      onProblem(`API factory ${api.importName}: ${firstLine(error)}`);
    }
  }
  return { load, apiFactories: factories };
}

/**
 * The `apiFactories` of a legacy plugin whose export described them (API and
 * dependency ids, in its extension manifest) are registered without its
 * code; whenever its code loads, their real factories are read before any of
 * its components renders, so those components get the real APIs.
 */
function withDeferredApis(remote: FrontendRemote | undefined, wiring: PluginWiring, baseLoad: ExportLoader) {
  const manifest = remote?.extensions?.feature === 'legacy' ? remote.extensions : undefined;
  const real = new Map<string, RealApiFactory>();
  const deferred: Array<AnyApiFactory & { importName: string }> = [];
  const describedHere = wiring.apiFactories.filter(
    api => manifest?.apiFactories[api.importName] && exposedModuleOf(remote!, api.module) === manifest.module,
  );
  const loadReal = async (api: { module: string; importName: string }) => {
    const factory = (await baseLoad(api.module, api.importName)) as RealApiFactory;
    real.set(api.importName, factory);
    return factory;
  };
  for (const api of describedHere) {
    const factory = deferredApiFactory(manifest!.apiFactories[api.importName], () => real.get(api.importName), () => loadReal(api));
    deferred.push(Object.assign(factory, { importName: api.importName }));
  }
  if (deferred.length === 0) return { load: baseLoad, deferred };
  const load: ExportLoader = async (module, importName) => {
    const value = await baseLoad(module, importName);
    // A factory that cannot be read is not this component's problem: its
    // API's calls fail instead (see deferredApiFactory).
    await Promise.all(describedHere.filter(api => !real.has(api.importName)).map(api => loadReal(api).catch(() => undefined)));
    return value;
  };
  return { load, deferred };
}
