import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { useEntity } from '@backstage/plugin-catalog-react';
import { EntityContentBlueprint } from '@backstage/plugin-catalog-react/alpha';
import type { EntityLike } from '../conditions';
import { renderMount } from '../remoteExport';
import type { AppWiring, PlacedMount, WiringHandler } from '../types';

/** Titles of RHDH's standard entity tabs, for mount points without an `entityTabs` entry. */
const DEFAULT_TAB_TITLES: Record<string, string> = {
  topology: 'Topology',
  issues: 'Issues',
  'pull-requests': 'Pull/Merge Requests',
  ci: 'CI',
  cd: 'CD',
  kubernetes: 'Kubernetes',
  'image-registry': 'Image Registry',
  monitoring: 'Monitoring',
  lighthouse: 'Lighthouse',
  api: 'API',
  dependencies: 'Dependencies',
  docs: 'Docs',
  definition: 'Definition',
  system: 'Diagram',
};

/** `entityTabs`: the path and title of the tab of a mount point (`entity.page.<tab>`); any plugin may name any tab. */
export const entityTabs: WiringHandler = ({ remote }, app) => {
  for (const tab of remote.wiring.entityTabs) {
    app.tabs.set(tab.mountPoint.replace(/^entity\.page\./, ''), { path: tab.path, title: tab.title });
  }
};

/** The cards of one entity tab that apply to the entity on the page. */
function TabCards({ mounts }: { mounts: PlacedMount[] }) {
  const { entity } = useEntity();
  const visible = mounts.filter(m => m.condition.matches(entity as EntityLike));
  return (
    <div style={{ display: 'grid', gap: 24, gridTemplateColumns: 'repeat(auto-fit, minmax(420px, 1fr))' }}>
      {visible.map((m, i) => (
        <div key={i}>{renderMount(m)}</div>
      ))}
    </div>
  );
}

/** The entity tabs every plugin's cards asked for, once all plugins are wired; undefined when there are none. */
export function entityTabsModule(app: AppWiring) {
  const extensions = [...app.tabMounts.entries()].map(([tab, mounts]) => {
    const info = app.tabs.get(tab) ?? { path: `/${tab}`, title: DEFAULT_TAB_TITLES[tab] ?? tab };
    return EntityContentBlueprint.make({
      name: `dynamic-${tab}`,
      params: {
        path: info.path,
        title: info.title,
        // The tab shows only on entities at least one of its cards applies to.
        filter: entity => mounts.some(m => m.condition.matches(entity as EntityLike)),
        loader: async () => <TabCards mounts={mounts} />,
      },
    });
  });
  return extensions.length > 0 ? createFrontendModule({ pluginId: 'catalog', extensions }) : undefined;
}
