import { appTreeApiRef, type ApiHolder } from '@backstage/frontend-plugin-api';
import type { RouteAliasMap } from '../../nfs/routeAliases';
import { firstLine } from '../../messages';
import type { PluginWiring } from '../config';
import { mountPointOf } from '../LegacyPluginContext';
import type { ExportLoader, OnProblem, RoutePlugin, WiringHandler } from '../types';

interface BindingRemote {
  wiring: PluginWiring;
  label: string;
  load: ExportLoader;
}

/** `user-settings` → `userSettingsPlugin`: the name RHDH gives an app's own plugin as a binding target. */
export function targetNameOf(pluginId: string): string {
  return `${pluginId.replace(/[-_.]+([a-z0-9])/gi, (_, c: string) => c.toUpperCase())}Plugin`;
}

/**
 * Resolves RHDH `routeBindings` for legacy plugins loaded on render: for a
 * remote, the external route refs of the targets its code exports, mapped to
 * the routes they are bound to (a route of one of the app's plugins, which
 * the app resolves, or the path of another dynamic plugin's dynamic route).
 * Computed when one of the remote's exports first renders; a binding that
 * names something that does not exist is reported and skipped.
 */
export function createRouteBinder(remotes: BindingRemote[], onProblem: OnProblem) {
  const targets = new Map<string, { remote: BindingRemote; module: string; importName: string }>();
  for (const remote of remotes) {
    for (const target of remote.wiring.routeBindings.targets) targets.set(target.name, { remote, ...target });
  }
  const bindings = remotes.flatMap(remote => remote.wiring.routeBindings.bindings.map(binding => ({ remote, ...binding })));

  const loadTarget = async (name: string) => {
    const target = targets.get(name)!;
    return (await target.remote.load(target.module, target.importName)) as RoutePlugin;
  };
  /** The path of the dynamic route whose routable extension mounts `ref`. */
  const dynamicPathOf = async (remote: BindingRemote, ref: unknown) => {
    for (const route of remote.wiring.dynamicRoutes) {
      const component = await remote.load(route.module, route.importName).catch(() => undefined);
      if (component && mountPointOf(component) === ref) return route.path;
    }
    return undefined;
  };

  return async (remote: BindingRemote, appPlugins: Map<string, RoutePlugin>): Promise<RouteAliasMap> => {
    const aliases: RouteAliasMap = new Map();
    for (const binding of bindings) {
      const problem = (message: string) => onProblem(binding.remote.label, `routeBindings ${binding.bindTarget}: ${message}`);
      const from = /^(.+)\.externalRoutes$/.exec(binding.bindTarget)?.[1];
      if (!from) {
        problem('bindTarget must be <target>.externalRoutes');
        continue;
      }
      if (targets.get(from)?.remote !== remote) continue; // another plugin's routes
      const source = await loadTarget(from);
      for (const [externalName, to] of Object.entries(binding.bindMap)) {
        const externalRef = source?.externalRoutes?.[externalName];
        const [, toName, routeName] = /^(.+)\.routes\.([^.]+)$/.exec(to) ?? [];
        if (!externalRef) {
          problem(`${from} has no external route ${externalName}`);
        } else if (!toName) {
          problem(`${to} is not <target>.routes.<route>`);
        } else if (appPlugins.has(toName)) {
          const ref = appPlugins.get(toName)!.routes?.[routeName];
          if (ref && typeof ref === 'object') aliases.set(externalRef, ref);
          else problem(`${toName} has no route ${routeName}`);
        } else if (targets.has(toName)) {
          const target = targets.get(toName)!;
          const ref = (await loadTarget(toName))?.routes?.[routeName];
          const path = ref ? await dynamicPathOf(target.remote, ref) : undefined;
          if (path !== undefined) aliases.set(externalRef, { path });
          else problem(`${to} is not mounted by any of ${target.remote.label}'s dynamicRoutes`);
        } else {
          problem(`no target named ${toName}`);
        }
      }
    }
    return aliases;
  };
}

/** The app's plugins by binding target name (`catalogPlugin`, …), from the app tree. */
export function appPluginsOf(apis: ApiHolder): Map<string, RoutePlugin> {
  const plugins = new Map<string, RoutePlugin>();
  const nodes = apis.get(appTreeApiRef)?.getTree().tree.nodes.values() ?? [];
  for (const node of nodes) {
    const plugin = node.spec.plugin as (RoutePlugin & { id?: string }) | undefined;
    if (plugin?.id && !plugins.has(targetNameOf(plugin.id))) plugins.set(targetNameOf(plugin.id), plugin);
  }
  return plugins;
}

/**
 * `routeBindings`: the plugin's external routes, bound when its code first
 * renders (once; the app tree is scanned for targets only then). Runs before
 * the handlers that create elements, which carry the plugin's aliases.
 */
export const routeBindings: WiringHandler = ({ remote }, app) => {
  if (!app.anyBindings) return;
  let aliases: Promise<RouteAliasMap> | undefined;
  remote.routeAliases = apis =>
    (aliases ??= app.bindRoutes(remote, appPluginsOf(apis)).catch(error => {
      // Unbound routes render as missing links; the plugin still renders.
      app.onProblem(remote.label, `routeBindings: ${firstLine(error)}`);
      return new Map();
    }));
};
