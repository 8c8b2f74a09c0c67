/*
 * Runs inside a worker thread (see extensionManifest.ts), on a Node bundle of
 * a new-frontend-system plugin's definitions module. It is passed to the
 * worker as source text, so it uses nothing from outside its own body.
 */

/** What the worker is given. */
export interface ProbeInput {
  /** Absolute path of the CommonJS bundle: the module's exports, and react's createElement and react-dom/server's renderToStaticMarkup under `__devportal` names. */
  bundle: string;
  /** The exposed module the plugin is loaded from at runtime. */
  module: string;
  /** `feature`: the bundle's default export is read; `legacy`: all its exports are. */
  mode: 'feature' | 'legacy';
}

/**
 * Describes a FrontendPlugin (or FrontendModule) well enough for the app to stand in for it
 * without its code: each extension's id, attachment, inputs and declared
 * outputs, and the outputs its factory gives with default config, encoded:
 * React elements rendered by the extension become `{$element: true}` (the
 * app renders them from the real code on first render), icons become static
 * markup, route refs become keys, API factories become their API and
 * dependency ids. Anything else that is not plain data (a callback, a class
 * instance) makes the plugin `unsupported`: the app then loads it at boot.
 */
export function probeExtensions(input: ProbeInput): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(input.bundle);
  const plugin = mod.default;
  const feature = plugin?.$$type === '@backstage/FrontendPlugin' ? 'plugin' : plugin?.$$type === '@backstage/FrontendModule' ? 'module' : undefined;
  if (input.mode === 'feature' && !feature) return { notAPlugin: true };
  if (input.mode === 'legacy') {
    if (feature) return { notAPlugin: true };
    // A legacy plugin: what the app may need of it before its code loads is
    // its API factories (`apiFactories` wiring), known by export name.
    const apiFactories = Object.fromEntries(
      Object.entries<any>(mod)
        .filter(([, v]) => v && typeof v === 'object' && typeof v.factory === 'function' && typeof v.api?.id === 'string' && v.deps && typeof v.deps === 'object')
        .map(([name, v]) => [name, { api: v.api.id, deps: Object.fromEntries(Object.entries<any>(v.deps).map(([k, ref]) => [k, ref?.id])) }]),
    );
    return Object.keys(apiFactories).length > 0 ? { version: 1, module: input.module, feature: 'legacy', apiFactories } : { notAPlugin: true };
  }
  if (!feature) return { notAPlugin: true };
  const pluginId: string = plugin.pluginId ?? plugin.id;
  const renderToStaticMarkup: (element: unknown) => string = mod.__devportalRenderToStaticMarkup;
  const createElement: (type: unknown) => unknown = mod.__devportalCreateElement;

  class Unencodable extends Error {}
  const isElement = (v: any) =>
    !!v && typeof v === 'object' && (v.$$typeof === Symbol.for('react.element') || v.$$typeof === Symbol.for('react.transitional.element'));
  const isPlain = (v: any) => {
    const proto = Object.getPrototypeOf(v);
    return proto === Object.prototype || proto === null;
  };

  // Route refs are known by key: the plugin's own route names, else the
  // order they were met in (so a page and its nav item share one).
  const routeRefs: Record<string, { params: string[] }> = {};
  // Older plugin APIs keep these as properties, newer ones behind getters.
  const paramsOf = (ref: any): string[] => [...(ref.getParams?.() ?? ref.params ?? [])];
  const anonymous = new Map<unknown, string>();
  const routeKey = (ref: any): string => {
    for (const [name, known] of Object.entries<any>(plugin.routes ?? {})) if (known === ref) return `routes.${name}`;
    for (const [name, known] of Object.entries<any>(plugin.externalRoutes ?? {})) if (known === ref) return `externalRoutes.${name}`;
    let key = anonymous.get(ref);
    if (!key) {
      key = `anonymous.${anonymous.size}`;
      anonymous.set(ref, key);
      routeRefs[key] = { params: paramsOf(ref) };
    }
    return key;
  };

  const encode = (value: any, where: string, iconSlot: boolean): unknown => {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value;
    if (value === undefined) return undefined;
    if (typeof value === 'function') {
      if (!iconSlot) throw new Unencodable(`${where} is a function`);
      return { $component: renderToStaticMarkup(createElement(value)) };
    }
    if (typeof value !== 'object') throw new Unencodable(`${where} is a ${typeof value}`);
    if (isElement(value)) return { $html: renderToStaticMarkup(value) };
    // memo() and forwardRef() components (MUI's icons are) are objects.
    if (iconSlot && typeof value.$$typeof === 'symbol') return { $component: renderToStaticMarkup(createElement(value)) };
    if (value.$$type === '@backstage/RouteRef') return { $routeRef: routeKey(value) };
    if (value.$$type === '@backstage/ExternalRouteRef') {
      const key = routeKey(value);
      if (!key.startsWith('externalRoutes.')) throw new Unencodable(`${where} is an external route the plugin does not declare`);
      return { $externalRouteRef: key };
    }
    if (value.$$type) throw new Unencodable(`${where} is a ${value.$$type}`);
    if (Array.isArray(value)) return value.map((item, i) => encode(item, `${where}[${i}]`, iconSlot));
    if (!isPlain(value)) throw new Unencodable(`${where} is an instance of ${value.constructor?.name ?? 'a class'}`);
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, encode(v, `${where}.${k}`, k === 'icon')]),
    );
  };

  /**
   * The config keys that change an output other than the element (a page's
   * `path`, a title): the app can only apply those with the real code, so it
   * loads a plugin configured with them at boot. Found by running the
   * factory once per key with a made-up value; a key that cannot be tried
   * counts as one that does.
   */
  const configAffects = (ext: any, run: (config: unknown) => any[], values: any[]): string[] => {
    const withoutElement = (outputs: any[]) =>
      JSON.stringify(outputs.filter(o => o.id !== 'core.reactElement' && o.id !== 'core.api.factory').map(o => [o.id, o.value]));
    const baseline = withoutElement(values);
    // A JSON schema in older plugin APIs, a function returning { schema } in newer ones.
    const declared = ext.configSchema.schema;
    const jsonSchema = typeof declared === 'function' ? declared.call(ext.configSchema)?.schema : declared;
    const properties = jsonSchema?.properties ?? {};
    const samples: Record<string, unknown> = { string: '/devportal-probe', number: 7919, integer: 7919, boolean: true };
    return Object.entries<any>(properties)
      .filter(([key, property]) => {
        const types = [property?.type].flat();
        const tries = types.includes('boolean') ? [true, false] : types.map(t => samples[t]).filter(v => v !== undefined).slice(0, 1);
        if (tries.length === 0) return true;
        try {
          return tries.some(sample => {
            const outputs = run(ext.configSchema.parse({ [key]: sample })).map((data: any) =>
              data.id === 'core.reactElement' || data.id === 'core.api.factory' ? data : { id: data.id, value: encode(data.value, key, data.id === 'core.icon') },
            );
            return withoutElement(outputs) !== baseline;
          });
        } catch {
          return true;
        }
      })
      .map(([key]) => key);
  };

  /** `kind:pluginId/name` → kind and name (modules keep no definitions to read them from). */
  const kindAndName = (id: string) => {
    const [, kind, rest] = /^(?:([^:]+):)?(.*)$/.exec(id)!;
    if (rest === pluginId) return { kind, name: undefined };
    if (rest.startsWith(`${pluginId}/`)) return { kind, name: rest.slice(pluginId.length + 1) };
    throw new Unencodable(`${id} is not named after the plugin it extends`);
  };

  const dataRefs = (refs: any[]) => refs.map(ref => ({ id: ref.id, optional: Boolean(ref.config?.optional) }));

  // A module's extensions run as part of the plugin they extend, which is not here.
  const nodePlugin = feature === 'plugin' ? plugin : { id: pluginId, pluginId, routes: {}, externalRoutes: {} };
  try {
    const extensions = plugin.extensions.map((ext: any) => {
      if (ext.version !== 'v2') throw new Unencodable(`${ext.id} is a v1 extension`);
      const definition = plugin.getExtension ? plugin.getExtension(ext.id) : kindAndName(ext.id);
      const config = ext.configSchema ? ext.configSchema.parse({}) : {};
      const node = {
        spec: { id: ext.id, extension: ext, attachTo: ext.attachTo, disabled: false, plugin: nodePlugin, config: undefined },
        edges: { attachments: new Map() },
      };
      const inputs = Object.fromEntries(Object.entries<any>(ext.inputs ?? {}).map(([name, i]) => [name, i.config?.singleton ? undefined : []]));
      const run = (cfg: unknown) => [...ext.factory({ node, apis: { get: () => undefined }, config: cfg, inputs })];
      const values = run(config).map((data: any) => {
        const where = `${ext.id} output ${data.id}`;
        if (data.id === 'core.reactElement') return { id: data.id, value: { $element: true } };
        if (data.id === 'core.api.factory') {
          const factory = data.value;
          return {
            id: data.id,
            value: { $apiFactory: { api: factory.api.id, deps: Object.fromEntries(Object.entries<any>(factory.deps ?? {}).map(([k, ref]) => [k, ref.id])) } },
          };
        }
        return { id: data.id, value: encode(data.value, where, data.id === 'core.icon') };
      });
      return {
        id: ext.id,
        kind: definition.kind,
        name: definition.name,
        attachTo: ext.attachTo,
        disabled: Boolean(ext.disabled),
        ...(ext.if !== undefined ? { if: encode(ext.if, `${ext.id} if`, false) } : {}),
        inputs: Object.fromEntries(
          Object.entries<any>(ext.inputs ?? {}).map(([name, i]) => [
            name,
            { data: dataRefs(i.extensionData ?? []), singleton: Boolean(i.config?.singleton), optional: Boolean(i.config?.optional), internal: Boolean(i.config?.internal) },
          ]),
        ),
        output: dataRefs(ext.output ?? []),
        configurable: Boolean(ext.configSchema),
        configAffects: ext.configSchema ? configAffects(ext, run, values) : [],
        values,
      };
    });
    const routeParams = (refs: Record<string, any>) =>
      Object.fromEntries(Object.entries(refs ?? {}).map(([name, ref]) => [name, { params: paramsOf(ref) }]));
    return {
      version: 1,
      module: input.module,
      feature,
      pluginId,
      title: typeof plugin.title === 'string' ? plugin.title : undefined,
      icon: plugin.icon === undefined ? undefined : encode(plugin.icon, 'plugin icon', true),
      ...(plugin.if !== undefined ? { if: encode(plugin.if, 'plugin if', false) } : {}),
      routes: routeParams(plugin.routes),
      externalRoutes: Object.fromEntries(
        Object.entries<any>(plugin.externalRoutes ?? {}).map(([name, ref]) => [
          name,
          { params: paramsOf(ref), optional: Boolean(ref.optional), defaultTarget: ref.getDefaultTarget?.() ?? ref.defaultTarget },
        ]),
      ),
      routeRefs,
      featureFlags: encode(plugin.featureFlags ?? [], 'feature flags', false),
      extensions,
    };
  } catch (error) {
    if (error instanceof Unencodable) return { unsupported: error.message };
    return { unsupported: `its extensions could not be listed: ${String((error as Error)?.message ?? error).split('\n')[0]}` };
  }
}
