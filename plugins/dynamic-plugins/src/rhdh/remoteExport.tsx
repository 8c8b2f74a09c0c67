import { ConditionalExport, LazyExport } from './LazyExport';
import type { PlacedMount, WiredRemote } from './types';

/** One of a remote's exports, rendered from its code fetched on first render. */
export function remoteExport(
  remote: WiredRemote,
  target: { module: string; importName: string; props: Record<string, unknown> },
  routePath?: string,
) {
  return (
    <LazyExport
      pluginName={remote.label}
      load={remote.load}
      routeAliases={remote.routeAliases}
      module={target.module}
      importName={target.importName}
      props={target.props}
      routePath={routePath}
    />
  );
}

/** A mount point's export, behind the condition functions its `if` names, if any. */
export function renderMount({ remote, mount, condition }: PlacedMount) {
  const element = remoteExport(remote, mount);
  if (condition.exported.length === 0) return element;
  return (
    <ConditionalExport pluginName={remote.label} load={remote.load} module={mount.module} conditions={condition.exported}>
      {element}
    </ConditionalExport>
  );
}
