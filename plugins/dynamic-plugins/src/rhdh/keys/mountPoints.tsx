import { coreExtensionData, createExtension } from '@backstage/frontend-plugin-api';
import { EntityCardBlueprint } from '@backstage/plugin-catalog-react/alpha';
import { parseCondition, type EntityLike, type ParsedCondition } from '../conditions';
import { mountTargetOf } from '../mountPointTable';
import { renderMount } from '../remoteExport';
import type { WiringHandler } from '../types';

/**
 * `mountPoints`: each entry goes where the mount point table says; entity
 * tab cards are collected across plugins (the entityTabs step makes the
 * tabs). The export renders, and its code loads, only where it shows.
 */
export const mountPoints: WiringHandler = ({ remote, extensions }, app) => {
  remote.wiring.mountPoints.forEach((mount, index) => {
    let condition: ParsedCondition;
    try {
      condition = parseCondition(mount.if);
    } catch (error) {
      app.onProblem(remote.label, `mount point ${mount.mountPoint}: ${(error as Error).message}`);
      return;
    }
    const placed = { remote, mount, condition };
    const target = mountTargetOf(mount.mountPoint);
    if (target?.kind === 'entity-card') {
      extensions.push(
        EntityCardBlueprint.make({
          name: `card-${index}`,
          params: { filter: entity => condition.matches(entity as EntityLike), loader: async () => renderMount(placed) },
        }),
      );
    } else if (target?.kind === 'entity-tab') {
      app.tabMounts.set(target.tab, [...(app.tabMounts.get(target.tab) ?? []), placed]);
    } else if (target?.kind === 'slot') {
      extensions.push(slotExtension(`${target.name}-${index}`, target.attachTo, renderMount(placed)));
    } else {
      app.onProblem(remote.label, `mount point ${mount.mountPoint} is not supported by DevPortal; it is ignored`);
    }
  });
};

function slotExtension(name: string, attachTo: { id: string; input: string }, element: JSX.Element) {
  return createExtension({
    kind: 'dynamic-slot',
    name,
    attachTo,
    output: [coreExtensionData.reactElement],
    factory: () => [coreExtensionData.reactElement(element)],
  });
}
