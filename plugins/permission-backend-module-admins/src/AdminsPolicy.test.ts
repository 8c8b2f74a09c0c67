import { ConfigReader } from '@backstage/config';
import { AuthorizeResult, createPermission } from '@backstage/plugin-permission-common';
import { PolicyQueryUser } from '@backstage/plugin-permission-node';
import { devportalPluginsInstallPermission } from '@devportal/plugin-devportal-common';
import { AdminsPolicy, readAdminsPolicyOptions } from './AdminsPolicy';

function user(userEntityRef: string, ownershipEntityRefs: string[] = []): PolicyQueryUser {
  return {
    identity: { type: 'user', userEntityRef, ownershipEntityRefs },
    info: { userEntityRef, ownershipEntityRefs },
    token: 'token',
    credentials: {} as PolicyQueryUser['credentials'],
  } as PolicyQueryUser;
}

const catalogRead = createPermission({ name: 'catalog.entity.read', attributes: { action: 'read' } });
const catalogDelete = createPermission({ name: 'catalog.entity.delete', attributes: { action: 'delete' } });

describe('AdminsPolicy', () => {
  const policy = new AdminsPolicy(
    readAdminsPolicyOptions(
      new ConfigReader({
        devportal: {
          admins: ['group:default/platform-admins', 'User:default/root'],
          adminOnlyPermissions: ['catalog.entity.delete'],
        },
      }),
    ),
  );

  it('allows plugin management to a member of an admin group', async () => {
    const decision = await policy.handle(
      { permission: devportalPluginsInstallPermission },
      user('user:default/jane', ['user:default/jane', 'group:default/platform-admins']),
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('allows plugin management to a user listed by name, whatever the case of the kind', async () => {
    const decision = await policy.handle(
      { permission: devportalPluginsInstallPermission },
      user('user:default/root'),
    );
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('denies plugin management to a user who is not an admin', async () => {
    const decision = await policy.handle(
      { permission: devportalPluginsInstallPermission },
      user('user:default/bob', ['user:default/bob', 'group:default/developers']),
    );
    expect(decision.result).toBe(AuthorizeResult.DENY);
  });

  it('denies DevPortal permissions to a request without a user', async () => {
    const decision = await policy.handle({ permission: devportalPluginsInstallPermission });
    expect(decision.result).toBe(AuthorizeResult.DENY);
  });

  it('lets every user read the catalog', async () => {
    const decision = await policy.handle({ permission: catalogRead }, user('user:default/bob'));
    expect(decision.result).toBe(AuthorizeResult.ALLOW);
  });

  it('reserves configured admin-only permissions for admins', async () => {
    expect((await policy.handle({ permission: catalogDelete }, user('user:default/bob'))).result).toBe(
      AuthorizeResult.DENY,
    );
    expect((await policy.handle({ permission: catalogDelete }, user('user:default/root'))).result).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it('names the bad entry when an admin reference cannot be parsed', () => {
    expect(() =>
      readAdminsPolicyOptions(new ConfigReader({ devportal: { admins: ['user:'] } })),
    ).toThrow(/devportal\.admins\[0\]/);
  });
});
