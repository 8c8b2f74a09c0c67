import { createApiRef } from '@backstage/frontend-plugin-api';

/**
 * Where RHDH `menuItems` wiring puts sidebar items: `priority` (higher
 * first) and `parent` (a group, itself a `menuItems` entry that is not a
 * route: `{title, icon, priority}`). Filled by the loader before the app
 * renders, read by the sidebar, which knows items by their page extension id.
 */
export interface MenuPlacement {
  priority?: number;
  parent?: string;
}

export interface MenuGroup {
  name: string;
  title: string;
  icon?: string;
  priority?: number;
}

export interface MenuOrderApi {
  placeItem(extensionId: string, placement: MenuPlacement): void;
  /** The first group of a name wins: two plugins may both declare one their items share. */
  addGroup(group: MenuGroup): void;
  placement(extensionId: string): MenuPlacement | undefined;
  group(name: string): MenuGroup | undefined;
}

export const menuOrderApiRef = createApiRef<MenuOrderApi>().with({
  id: 'plugin.dynamic-plugins.menu-order',
  pluginId: 'dynamic-plugins',
});

/** One app's menu order. Each load of the loader makes its own. */
export class MenuOrder implements MenuOrderApi {
  private readonly placements = new Map<string, MenuPlacement>();
  private readonly groups = new Map<string, MenuGroup>();

  placeItem(extensionId: string, placement: MenuPlacement) {
    this.placements.set(extensionId, placement);
  }

  addGroup(group: MenuGroup) {
    if (!this.groups.has(group.name)) this.groups.set(group.name, group);
  }

  placement(extensionId: string): MenuPlacement | undefined {
    return this.placements.get(extensionId);
  }

  group(name: string): MenuGroup | undefined {
    return this.groups.get(name);
  }
}

/** Higher priority first (unset counts as 0), then by title. */
export function byPriorityThenTitle<T>(items: T[], priorityOf: (item: T) => number | undefined, titleOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => (priorityOf(b) ?? 0) - (priorityOf(a) ?? 0) || titleOf(a).localeCompare(titleOf(b)));
}
