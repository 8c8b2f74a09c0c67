/** Where what is mounted at an RHDH mount point goes in DevPortal's app. */
export type MountTarget =
  /** A card on the entity page's overview. */
  | { kind: 'entity-card' }
  /** A card of entity tab `tab` (`entity.page.<tab>`), which shows on entities one of its cards applies to. */
  | { kind: 'entity-tab'; tab: string }
  /** An element attached to an extension input (a slot DevPortal's bundled plugins offer). */
  | { kind: 'slot'; name: string; attachTo: { id: string; input: string } };

interface MountPointRule {
  match: RegExp;
  target(match: RegExpExecArray): MountTarget;
}

const headerWidget: MountTarget = { kind: 'slot', name: 'header-widget', attachTo: { id: 'app-header:header', input: 'widgets' } };

/**
 * RHDH mount point names and where they attach, first match wins. A mount
 * point no rule matches is reported and ignored. Adding support for one
 * (`search.page.*`, `entity.context.menu`) starts here.
 */
export const MOUNT_POINTS: readonly MountPointRule[] = [
  { match: /^entity\.page\.overview\/(cards|context)$/, target: () => ({ kind: 'entity-card' }) },
  { match: /^entity\.page\.([^/]+)\/(cards|context)$/, target: m => ({ kind: 'entity-tab', tab: m[1] }) },
  {
    match: /^home\.page\/cards$/,
    target: () => ({ kind: 'slot', name: 'home-card', attachTo: { id: 'page:home', input: 'cards' } }),
  },
  { match: /^application\/header$/, target: () => headerWidget },
  { match: /^global\.header\/component$/, target: () => headerWidget },
];

export function mountTargetOf(mountPoint: string): MountTarget | undefined {
  for (const rule of MOUNT_POINTS) {
    const match = rule.match.exec(mountPoint);
    if (match) return rule.target(match);
  }
  return undefined;
}
