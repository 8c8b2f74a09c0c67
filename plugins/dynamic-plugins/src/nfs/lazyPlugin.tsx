import {
  createExtension,
  createExtensionDataRef,
  createExtensionInput,
  createExternalRouteRef,
  createFrontendModule,
  createFrontendPlugin,
  createRouteRef,
  type AnyApiFactory,
  type ApiHolder,
  type ExtensionDefinition,
  type FrontendModule,
  type FrontendPlugin,
} from '@backstage/frontend-plugin-api';
import { lazy, useMemo, type ReactElement } from 'react';
import type { DataRefSpec, DescribedApiFactory, ExtensionManifest, ManifestExtension } from '@devportal/plugin-dynamic-plugins-common';
import { iconElement } from './iconElement';
import { PluginBoundary } from '../ui/PluginBoundary';
import { deferredApiFactory, type RealApiFactory } from './deferredApi';
import { RouteAliases, type RouteAliasMap } from './routeAliases';

/** The parts of a real plugin and its extensions that are used; internal to the plugin API, stable across its versions. */
interface RealExtension {
  id: string;
  configSchema?: { parse(config: unknown): unknown };
  factory(context: FactoryContext): Iterable<{ id: string; value: unknown }>;
}
interface RealPlugin {
  $$type: string;
  routes?: Record<string, unknown>;
  externalRoutes?: Record<string, unknown>;
  extensions?: RealExtension[];
}
interface FactoryContext {
  node: { spec: { config?: unknown } };
  apis: ApiHolder;
  config: unknown;
  inputs: unknown;
}

/** Extension data refs by id: the app matches data by id, so one stand-in's refs serve all its extensions. */
function dataRefsById() {
  const refs = new Map<string, any>();
  return (spec: DataRefSpec) => {
    let ref = refs.get(spec.id);
    if (!ref) {
      ref = createExtensionDataRef<unknown>().with({ id: spec.id });
      refs.set(spec.id, ref);
    }
    return spec.optional ? ref.optional() : ref;
  };
}

function StaticMarkup(props: { html: string }) {
  return useMemo(() => iconElement(props.html), [props.html]);
}

/**
 * A stand-in for a new-frontend-system plugin, built from its extension
 * manifest: the app assembles it like the real one (same plugin id, same
 * extension ids, attachments and inputs, so `app.extensions` can disable
 * or move them and other plugins can attach to its inputs), but its code is
 * fetched only when one of its elements renders. Then the real extension's
 * factory runs with the stand-in's context (node, APIs, inputs) and its
 * element renders, with the real plugin's route refs resolved through the
 * stand-in's. Its API factories create the real API once the code is there;
 * one asked for before that forwards each call once the code has loaded.
 */
export function lazyPlugin(manifest: ExtensionManifest, options: { label: string; load(): Promise<unknown> }): FrontendPlugin | FrontendModule {
  const dataRef = dataRefsById();
  const refs = new Map<string, any>();
  for (const [name, spec] of Object.entries(manifest.routes)) refs.set(`routes.${name}`, createRouteRef({ params: spec.params as never }));
  for (const [name, spec] of Object.entries(manifest.externalRoutes)) {
    refs.set(`externalRoutes.${name}`, createExternalRouteRef({ params: spec.params as never, optional: spec.optional, defaultTarget: spec.defaultTarget } as never));
  }
  for (const [key, spec] of Object.entries(manifest.routeRefs)) refs.set(key, createRouteRef({ params: spec.params as never }));
  const refFor = (key: string) => {
    const ref = refs.get(key);
    if (!ref) throw new Error(`${options.label}: its extension manifest names an unknown route ${key}`);
    return ref;
  };

  // The real plugin's route refs → the stand-in's, filled in as its code loads and its extensions render.
  const aliases: RouteAliasMap = new Map();
  let loaded: RealPlugin | undefined;
  let loading: Promise<RealPlugin> | undefined;
  const loadReal = () => {
    loading ??= options.load().then(module => {
      const plugin = (module as { default?: RealPlugin })?.default;
      const expected = manifest.feature === 'module' ? '@backstage/FrontendModule' : '@backstage/FrontendPlugin';
      if (plugin?.$$type !== expected || !Array.isArray(plugin.extensions)) {
        throw new Error(`its module no longer exports a ${manifest.feature ?? 'plugin'} as described at export; export it again`);
      }
      for (const [name, ref] of Object.entries(plugin.routes ?? {})) if (refs.has(`routes.${name}`)) aliases.set(ref, refs.get(`routes.${name}`));
      for (const [name, ref] of Object.entries(plugin.externalRoutes ?? {})) {
        if (refs.has(`externalRoutes.${name}`)) aliases.set(ref, refs.get(`externalRoutes.${name}`));
      }
      loaded = plugin;
      return plugin;
    });
    loading.catch(() => {
      loading = undefined; // a later render tries again
    });
    return loading;
  };
  const realExtension = (plugin: RealPlugin, id: string) => {
    const extension = plugin.extensions!.find(e => e.id === id);
    if (!extension) throw new Error(`its code has no extension ${id}; export it again`);
    return extension;
  };
  /** Runs the real extension's factory in the stand-in's context and maps the route refs it gives. */
  const runReal = (plugin: RealPlugin, spec: ManifestExtension, context: FactoryContext) => {
    const extension = realExtension(plugin, spec.id);
    const config = extension.configSchema ? extension.configSchema.parse(context.node.spec.config ?? {}) : context.config;
    const outputs = [...extension.factory({ ...context, config })];
    for (const { id, value } of spec.values) {
      mapRouteRefs(value, outputs.find(o => o.id === id)?.value, refFor, aliases);
    }
    return outputs;
  };

  /**
   * A manifest value as the app needs it. Elements and API factories come
   * from an extension's real factory, so they need the extension (`at`);
   * icons and route refs do not (the plugin's own icon has none).
   */
  const decode = (value: unknown, at?: { spec: ManifestExtension; context: FactoryContext }): unknown => {
    if (Array.isArray(value)) return value.map(v => decode(v, at));
    if (!value || typeof value !== 'object') return value;
    const tagged = value as Record<string, any>;
    if (at && tagged.$element) {
      return <LazyElement label={options.label} aliases={aliases} render={() => loadReal().then(p => runReal(p, at.spec, at.context))} />;
    }
    if (typeof tagged.$html === 'string') return <StaticMarkup html={tagged.$html} />;
    if (typeof tagged.$component === 'string') {
      const html = tagged.$component;
      return () => <StaticMarkup html={html} />;
    }
    if (typeof tagged.$routeRef === 'string') return refFor(tagged.$routeRef);
    if (typeof tagged.$externalRouteRef === 'string') return refFor(tagged.$externalRouteRef);
    if (at && tagged.$apiFactory) return lazyApiFactory(tagged.$apiFactory, at.spec, at.context);
    return Object.fromEntries(Object.entries(tagged).map(([k, v]) => [k, decode(v, at)]));
  };

  const lazyApiFactory = (api: DescribedApiFactory, spec: ManifestExtension, context: FactoryContext): AnyApiFactory => {
    const realFactory = (plugin: RealPlugin) => runReal(plugin, spec, context).find(o => o.id === 'core.api.factory')?.value as RealApiFactory;
    return deferredApiFactory(
      api,
      () => (loaded ? realFactory(loaded) : undefined),
      () => loadReal().then(realFactory),
    );
  };

  const checkIds = (created: { id: string }[] = []) => {
    const ids = created.map(e => e.id);
    const missing = manifest.extensions.find(e => !ids.includes(e.id));
    if (missing) throw new Error(`its extension ${missing.id} cannot be stood in for (its id depends on a namespace other than the plugin's)`);
  };
  const extensions = manifest.extensions.map(spec =>
    createExtension({
      kind: spec.kind,
      name: spec.name,
      attachTo: spec.attachTo,
      disabled: spec.disabled,
      ...(spec.if !== undefined ? { if: spec.if } : {}),
      inputs: Object.fromEntries(
        Object.entries(spec.inputs).map(([name, input]) => [
          name,
          createExtensionInput(input.data.map(dataRef), { singleton: input.singleton, optional: input.optional, internal: input.internal } as never),
        ]),
      ),
      output: spec.output.map(dataRef),
      factory(context: FactoryContext) {
        return spec.values.map(({ id, value }) => dataRef({ id, optional: false })(decode(value, { spec, context })));
      },
    } as never) as ExtensionDefinition,
  );
  if (manifest.feature === 'module') {
    const module = createFrontendModule({
      pluginId: manifest.pluginId,
      ...(manifest.if !== undefined ? { if: manifest.if } : {}),
      featureFlags: manifest.featureFlags,
      extensions,
    } as never) as FrontendModule & { extensions?: { id: string }[] };
    checkIds(module.extensions);
    return module;
  }
  const plugin = createFrontendPlugin({
    pluginId: manifest.pluginId,
    ...(manifest.title ? { title: manifest.title } : {}),
    ...(manifest.icon !== undefined ? { icon: decode(manifest.icon) } : {}),
    ...(manifest.if !== undefined ? { if: manifest.if } : {}),
    routes: Object.fromEntries(Object.keys(manifest.routes).map(name => [name, refs.get(`routes.${name}`)])),
    externalRoutes: Object.fromEntries(Object.keys(manifest.externalRoutes).map(name => [name, refs.get(`externalRoutes.${name}`)])),
    featureFlags: manifest.featureFlags,
    extensions,
  } as never) as FrontendPlugin & { extensions?: { id: string }[] };
  checkIds(plugin.extensions);
  return plugin;
}

/** Pairs route refs in a manifest value with the real ones at the same place in the real output. */
function mapRouteRefs(encoded: unknown, real: unknown, refFor: (key: string) => unknown, aliases: RouteAliasMap) {
  if (!encoded || typeof encoded !== 'object' || !real || typeof real !== 'object') return;
  const tagged = encoded as Record<string, unknown>;
  const key = tagged.$routeRef ?? tagged.$externalRouteRef;
  if (typeof key === 'string') {
    if (!aliases.has(real)) aliases.set(real, refFor(key) as object);
    return;
  }
  for (const [k, v] of Object.entries(tagged)) mapRouteRefs(v, (real as Record<string, unknown>)[k], refFor, aliases);
}

/** An element whose real content comes from the plugin's code, fetched on first render. */
function LazyElement(props: { label: string; aliases: RouteAliasMap; render(): Promise<{ id: string; value: unknown }[]> }) {
  const { label, aliases, render } = props;
  const Content = useMemo(
    () =>
      lazy(async () => {
        const outputs = await render();
        const element = outputs.find(o => o.id === 'core.reactElement')?.value as ReactElement | undefined;
        if (!element) throw new Error('its extension gave no element');
        return { default: () => element };
      }),
    [render],
  );
  return (
    <PluginBoundary pluginName={label}>
      <RouteAliases aliases={aliases}>
        <Content />
      </RouteAliases>
    </PluginBoundary>
  );
}
