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

const placements = new Map<string, MenuPlacement>();
const groups = new Map<string, MenuGroup>();

export function placeMenuItem(extensionId: string, placement: MenuPlacement) {
  placements.set(extensionId, placement);
}

export function addMenuGroup(group: MenuGroup) {
  if (!groups.has(group.name)) groups.set(group.name, group);
}

export function menuPlacement(extensionId: string): MenuPlacement | undefined {
  return placements.get(extensionId);
}

export function menuGroup(name: string): MenuGroup | undefined {
  return groups.get(name);
}

/** Higher priority first (unset counts as 0), then by title. */
export function byPriorityThenTitle<T>(items: T[], priorityOf: (item: T) => number | undefined, titleOf: (item: T) => string): T[] {
  return [...items].sort((a, b) => (priorityOf(b) ?? 0) - (priorityOf(a) ?? 0) || titleOf(a).localeCompare(titleOf(b)));
}
