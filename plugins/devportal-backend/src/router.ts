import {
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  devportalPluginsManagePermission,
  devportalPluginsReadPermission,
} from '@devportal/plugin-devportal-common';
import express from 'express';
import Router from 'express-promise-router';
import { listInstalledPlugins } from './installedPlugins';

export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  logger: LoggerService;
  /** Absolute path of the dynamic plugins root, if one is configured. */
  dynamicPluginsRoot?: string;
}

export async function createRouter(options: RouterOptions): Promise<express.Router> {
  const { httpAuth, permissions, dynamicPluginsRoot } = options;
  const router = Router();

  // Tells the frontend who is signed in and whether to show admin features.
  router.get('/whoami', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const [decision] = await permissions.authorize(
      [{ permission: devportalPluginsManagePermission }],
      { credentials },
    );
    res.json({
      userEntityRef: credentials.principal.userEntityRef,
      isAdmin: decision.result === AuthorizeResult.ALLOW,
    });
  });

  // What is installed in the dynamic plugins root. Admin only.
  router.get('/plugins', async (req, res) => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const [decision] = await permissions.authorize(
      [{ permission: devportalPluginsReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('Only DevPortal admins may list dynamic plugins');
    }
    res.json({
      rootDirectory: dynamicPluginsRoot ?? null,
      plugins: dynamicPluginsRoot ? await listInstalledPlugins(dynamicPluginsRoot) : [],
    });
  });

  return router;
}
