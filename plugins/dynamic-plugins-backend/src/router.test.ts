import { mockCredentials, mockErrorHandler, mockServices } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import express from 'express';
import request from 'supertest';
import { createDynamicPluginsRouter } from './router';

describe('the /api/dynamic-plugins router', () => {
  const dynamicPlugins = {
    rootDirectory: () => '/srv/dynamic-plugins-root',
    listInstalled: async () => [{ folder: 'acme-x-dynamic', name: '@acme/x', version: '1.0.0', role: 'backend-plugin', source: 'npm' }],
    status: () => [{ package: '@acme/x', version: '1.0.0', source: 'npm' as const, kind: 'backend-plugin', state: 'loaded' as const }],
  };
  const app = (result: AuthorizeResult.ALLOW | AuthorizeResult.DENY) =>
    express()
      .use(
        createDynamicPluginsRouter({
          httpAuth: mockServices.httpAuth({ defaultCredentials: mockCredentials.user() }),
          permissions: mockServices.permissions.mock({ authorize: async () => [{ result }] }),
          dynamicPlugins,
        }),
      )
      .use(mockErrorHandler());

  it('gives admins the status of every dynamic plugin and what the installer put in the root', async () => {
    const status = await request(app(AuthorizeResult.ALLOW)).get('/status');
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ plugins: dynamicPlugins.status() });
    const installed = await request(app(AuthorizeResult.ALLOW)).get('/installed');
    expect(installed.body).toEqual({ rootDirectory: '/srv/dynamic-plugins-root', plugins: await dynamicPlugins.listInstalled() });
  });

  it('refuses everybody else', async () => {
    for (const route of ['/status', '/installed']) {
      const res = await request(app(AuthorizeResult.DENY)).get(route);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toMatch(/Only DevPortal admins/);
    }
  });
});
