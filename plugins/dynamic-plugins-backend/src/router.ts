import type { BackstageCredentials, HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { devportalPluginsReadPermission } from '@devportal/plugin-devportal-common';
import { DYNAMIC_PLUGINS_ROUTES } from '@devportal/plugin-dynamic-plugins-common';
import type { DynamicPluginsService } from '@devportal/plugin-dynamic-plugins-node';
import express from 'express';
import Router from 'express-promise-router';

/**
 * The admin API at `/api/dynamic-plugins` (docs/plugins/api.md). Admin only:
 * it tells what runs in the portal and why something does not.
 */
export function createDynamicPluginsRouter(options: {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  dynamicPlugins: DynamicPluginsService;
}): express.Router {
  const { httpAuth, permissions, dynamicPlugins } = options;
  const router = Router();
  const requireAdmin = async (req: express.Request, what: string): Promise<BackstageCredentials> => {
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const [decision] = await permissions.authorize([{ permission: devportalPluginsReadPermission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(`Only DevPortal admins may ${what}`);
    }
    return credentials;
  };

  // Every dynamic plugin and what happened to it in this backend process.
  router.get(DYNAMIC_PLUGINS_ROUTES.status, async (req, res) => {
    await requireAdmin(req, 'read the dynamic plugin status');
    res.json({ plugins: dynamicPlugins.status() });
  });

  // What the installer says the root holds now.
  router.get(DYNAMIC_PLUGINS_ROUTES.installed, async (req, res) => {
    await requireAdmin(req, 'list dynamic plugins');
    res.json({ rootDirectory: dynamicPlugins.rootDirectory() ?? null, plugins: await dynamicPlugins.listInstalled() });
  });
  return router;
}
