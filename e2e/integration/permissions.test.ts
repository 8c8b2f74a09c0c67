import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signInAsGuest, startBackend, type StartedBackend } from '../support/backend.ts';

/**
 * DevPortal's admin-only endpoint answers differently for an admin and a
 * non-admin identity. The guest is an admin through its group membership in
 * the default config; a second backend lists other admins only.
 */
async function call(backend: StartedBackend, path: string) {
  const token = await signInAsGuest(backend.baseUrl);
  return fetch(`${backend.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
}

describe('admin-only plugin endpoints', () => {
  let asAdmin: StartedBackend;
  let asNonAdmin: StartedBackend;

  before(async () => {
    const inMemory = { backend: { database: { client: 'better-sqlite3', connection: ':memory:' } } };
    [asAdmin, asNonAdmin] = await Promise.all([
      startBackend({ config: inMemory }),
      startBackend({
        config: { ...inMemory, devportal: { admins: ['group:default/team-payments', 'user:default/jane'] } },
      }),
    ]);
  });

  after(async () => {
    await Promise.all([asAdmin?.stop(), asNonAdmin?.stop()]);
  });

  it('lets an admin list the installed dynamic plugins', async () => {
    const res = await call(asAdmin, '/api/dynamic-plugins/installed');
    assert.equal(res.status, 200);
    const body = await res.json();
    // The bundled dynamic plugins, from the installer's state.
    const home = body.plugins.find((p: { name: string }) => p.name === '@devportal/plugin-home');
    assert.deepEqual(home && { role: home.role, source: home.source }, { role: 'frontend-plugin', source: 'local' });
  });

  it('refuses the same request from a user who is not an admin', async () => {
    const res = await call(asNonAdmin, '/api/dynamic-plugins/installed');
    assert.equal(res.status, 403);
    const body = await res.json();
    assert.equal(body.error.name, 'NotAllowedError');
  });

  it('tells each identity whether it is an admin', async () => {
    const admin = await (await call(asAdmin, '/api/devportal/whoami')).json();
    const other = await (await call(asNonAdmin, '/api/devportal/whoami')).json();
    assert.deepEqual(admin, { userEntityRef: 'user:default/guest', isAdmin: true });
    assert.deepEqual(other, { userEntityRef: 'user:default/guest', isAdmin: false });
  });

  it('refuses every marketplace route to a non-admin with 403, and changes nothing', async () => {
    const token = await signInAsGuest(asNonAdmin.baseUrl);
    const send = (method: string, route: string, body?: unknown) =>
      fetch(`${asNonAdmin.baseUrl}/api/dynamic-plugins${route}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const writes: Array<[string, string, unknown?]> = [
      ['POST', '/changes', { action: 'install', package: '@acme/x@1.0.0', integrity: 'sha512-x' }],
      ['POST', '/changes', { action: 'configure', package: '@acme/x', pluginConfig: {} }],
      ['DELETE', '/changes/1'],
      ['POST', '/apply'],
      ['POST', '/generations/1/rollback'],
    ];
    const reads = ['/plugins', '/catalog', '/catalog/home', '/changes', '/generations', '/generations/1', '/effective', '/plugin-schema?key=x'];
    for (const [method, route, body] of [...writes, ...reads.map(r => ['GET', r] as [string, string])]) {
      const res = await send(method, route, body);
      assert.equal(res.status, 403, `${method} ${route}`);
      assert.equal((await res.json()).error.name, 'NotAllowedError');
    }
    const admin = await signInAsGuest(asAdmin.baseUrl);
    assert.equal((await fetch(`${asAdmin.baseUrl}/api/dynamic-plugins/changes`, { headers: { authorization: `Bearer ${admin}` } })).status, 200);
  });

  it('refuses the endpoint without any token', async () => {
    const res = await fetch(`${asAdmin.baseUrl}/api/dynamic-plugins/installed`);
    assert.equal(res.status, 401);
  });
});
