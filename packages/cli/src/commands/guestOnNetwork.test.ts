import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { checkGuestOnNetwork, guestAdminReason, isLoopbackHost } from './guestOnNetwork';

const repoRoot = path.resolve(__dirname, '../../../..');
const read = (file: string) => YAML.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8'));
/** Later files win for keys, arrays are replaced: Backstage's config merge, enough for these keys. */
function merge(...configs: Record<string, any>[]) {
  const out: Record<string, any> = {};
  const assign = (target: Record<string, any>, source: Record<string, any>) => {
    for (const [k, v] of Object.entries(source)) {
      if (v && typeof v === 'object' && !Array.isArray(v) && target[k] && typeof target[k] === 'object') assign(target[k], v);
      else target[k] = v;
    }
  };
  configs.forEach(c => assign(out, c));
  return out;
}

describe('guest sign-in on the network', () => {
  const local = read('app-config.yaml');
  const production = merge(read('app-config.yaml'), read('app-config.production.yaml'));

  it('refuses the local config on 0.0.0.0 or a LAN address: the guest is an admin there', () => {
    expect(checkGuestOnNetwork(local, '0.0.0.0', false)).toMatch(/^listening on 0\.0\.0\.0 with guest sign-in would make anyone who reaches the portal an admin \(guest sign-in gives group:default\/platform-admins/);
    expect(checkGuestOnNetwork(local, '192.168.1.20', false)).toMatch(/DEVPORTAL_ALLOW_GUEST_ADMIN=true/);
  });

  it('accepts it on loopback, or when explicitly allowed', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(checkGuestOnNetwork(local, host, false)).toBeUndefined();
    expect(checkGuestOnNetwork(local, '0.0.0.0', true)).toBeUndefined();
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });

  it('accepts the production config anywhere: guest sign-in is off and the example organisation is not loaded', () => {
    expect(checkGuestOnNetwork(production, '0.0.0.0', false)).toBeUndefined();
    const targets = production.catalog.locations.map((l: { target: string }) => l.target);
    expect(targets).not.toContain('./catalog/examples/org.yaml');
  });

  it('sees a guest made admin by the example organisation alone', () => {
    const config = merge(local, { auth: { providers: { guest: { ownershipEntityRefs: ['user:default/guest'] } } } });
    expect(guestAdminReason(config)).toMatch(/example organisation/);
    const withoutOrg = merge(config, { catalog: { locations: [] } });
    expect(guestAdminReason(withoutOrg)).toBeUndefined();
  });
});
