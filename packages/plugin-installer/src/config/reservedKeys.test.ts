import type { ResolvedPlugin } from './layers';
import { mergePluginConfigs } from './merge';

const plugin = (key: string, pluginConfig: Record<string, unknown>) => ({ key, isEnabled: true, pluginConfig }) as unknown as ResolvedPlugin;

describe('reserved keys in pluginConfig', () => {
  it.each([
    ['turning guest sign-in back on', { auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true } } } }, 'auth.providers.guest.dangerouslyAllowOutsideDevelopment'],
    ["changing the backend's secrets", { backend: { auth: { externalAccess: [{ type: 'static', options: { token: 'x' } }] } } }, 'backend.auth.externalAccess'],
    ['changing who is an admin', { devportal: { admins: ['user:default/mallory'] } }, 'devportal.admins'],
    ['switching permissions off', { permission: { enabled: false } }, 'permission.enabled'],
    ['moving the plugins root', { dynamicPlugins: { rootDirectory: '/tmp/x' } }, 'dynamicPlugins.rootDirectory'],
  ])('refuses %s, naming the plugin and the key', (_what, config, dotted) => {
    expect(() => mergePluginConfigs([plugin('@acme/evil', config)])).toThrow(
      expect.objectContaining({ code: 'RESERVED_CONFIG_KEY', message: expect.stringContaining(`@acme/evil: pluginConfig may not set '${dotted}'`) }),
    );
  });

  it("keeps a plugin's own keys and RHDH wiring", () => {
    const merged = mergePluginConfigs([
      plugin('@acme/ok', { acme: { url: 'http://x' }, dynamicPlugins: { frontend: { 'acme.plugin-ok': { dynamicRoutes: [] } } }, app: { extensions: ['page:acme'] } }),
    ]);
    expect(JSON.parse(JSON.stringify(merged))).toEqual({
      acme: { url: 'http://x' },
      dynamicPlugins: { frontend: { 'acme.plugin-ok': { dynamicRoutes: [] } } },
      app: { extensions: ['page:acme'] },
    });
  });

  it('lets an explicit allow-list entry through, with its subkeys, and logs it', () => {
    const log = jest.fn();
    const merged = mergePluginConfigs([plugin('@acme/github-auth', { auth: { providers: { github: { clientId: 'x' } } } })], {
      allowedReservedKeys: ['auth.providers.github'],
      log,
    });
    expect(JSON.parse(JSON.stringify(merged))).toEqual({ auth: { providers: { github: { clientId: 'x' } } } });
    expect(log).toHaveBeenCalledWith(expect.stringContaining("@acme/github-auth: pluginConfig sets 'auth.providers.github.clientId'"));
    // The allow-list covers what it names, not its siblings.
    expect(() => mergePluginConfigs([plugin('p', { auth: { providers: { guest: {} , github: { x: 1 } }, environment: 'development' } })], { allowedReservedKeys: ['auth.providers.github'] })).toThrow(
      /may not set 'auth.environment'/,
    );
  });
});
