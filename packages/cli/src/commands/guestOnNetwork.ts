/**
 * Guest sign-in on a portal other machines can reach.
 *
 * The local setup makes the guest an admin (so that a first-time user can try
 * plugin management): the guest provider's `ownershipEntityRefs` and the
 * example organisation both put `user:default/guest` in `platform-admins`,
 * which `devportal.admins` lists. That is fine on 127.0.0.1. Bound to
 * 0.0.0.0 or a LAN address, anyone who can reach the port signs in as guest
 * and may install plugins, which run with every privilege the portal has.
 */

/** The example organisation that puts the guest in platform-admins. */
const EXAMPLE_ORG = 'catalog/examples/org.yaml';

export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Why the guest of this config is an admin, or undefined when it is not (or guest sign-in is off). */
export function guestAdminReason(config: Record<string, any>): string | undefined {
  const guest = config.auth?.providers?.guest;
  if (!guest || typeof guest !== 'object') return undefined;
  // ./devportal runs the backend with NODE_ENV=production: the provider only
  // signs anyone in when explicitly allowed outside development.
  if (guest.dangerouslyAllowOutsideDevelopment !== true) return undefined;
  const admins: string[] = Array.isArray(config.devportal?.admins) ? config.devportal.admins.map(String) : [];
  const guestUser = typeof guest.userEntityRef === 'string' ? guest.userEntityRef : 'user:development/guest';
  const refs: string[] = [guestUser, ...(Array.isArray(guest.ownershipEntityRefs) ? guest.ownershipEntityRefs.map(String) : [])];
  const direct = refs.find(ref => admins.includes(ref));
  if (direct) return `guest sign-in gives ${direct}, which devportal.admins lists`;
  const locations: unknown[] = Array.isArray(config.catalog?.locations) ? config.catalog.locations : [];
  const loadsExampleOrg = locations.some(l => typeof (l as { target?: unknown })?.target === 'string' && (l as { target: string }).target.replace(/^\.\//, '') === EXAMPLE_ORG);
  if (loadsExampleOrg && admins.length > 0) return `the example organisation (${EXAMPLE_ORG}) makes the guest a member of an admin group`;
  return undefined;
}

/**
 * The problem with serving guest admins on `host`, if there is one and it
 * is not explicitly allowed.
 */
export function checkGuestOnNetwork(config: Record<string, any>, host: string, allowed: boolean): string | undefined {
  if (allowed || isLoopbackHost(host)) return undefined;
  const reason = guestAdminReason(config);
  if (!reason) return undefined;
  return (
    `listening on ${host} with guest sign-in would make anyone who reaches the portal an admin (${reason}); ` +
    'configure an identity provider and turn guest sign-in off (app-config.production.yaml does), listen on 127.0.0.1, ' +
    'or set DEVPORTAL_ALLOW_GUEST_ADMIN=true to accept it'
  );
}
