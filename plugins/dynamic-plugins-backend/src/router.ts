import type { HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { devportalPluginsReadPermission } from '@devportal/plugin-devportal-common';
import express from 'express';
import Router from 'express-promise-router';
import type { DynamicPluginStatusStore } from './status';

export function createStatusRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  status: DynamicPluginStatusStore;
}): express.Router {
  const router = Router();
  // Every dynamic plugin and what happened to it at start. Admin only: it
  // tells what runs in the portal and why something does not.
  router.get('/status', async (req, res) => {
    const credentials = await options.httpAuth.credentials(req, { allow: ['user', 'service'] });
    const [decision] = await options.permissions.authorize([{ permission: devportalPluginsReadPermission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError('Only DevPortal admins may read the dynamic plugin status');
    }
    res.json({ plugins: options.status.list() });
  });
  return router;
}
