import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { devportalPluginsInstallPermission } from '@devportal/plugin-devportal-common';
import express from 'express';
import Router from 'express-promise-router';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
}

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions } = options;
  const router = Router();

  // Tells the frontend who is signed in and whether to show admin features.
  router.get('/whoami', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [decision] = await permissions.authorize(
      [{ permission: devportalPluginsInstallPermission }],
      { credentials },
    );
    res.json({
      userEntityRef: credentials.principal.userEntityRef,
      isAdmin: decision.result === AuthorizeResult.ALLOW,
    });
  });

  // The dynamic plugins themselves are listed by /api/dynamic-plugins
  // (docs/plugins/api.md).

  return router;
}
