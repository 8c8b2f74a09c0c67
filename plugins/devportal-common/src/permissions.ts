import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Reading which dynamic plugins are installed and how they are configured.
 * Plugin configuration can hold internal URLs, so only admins may read it.
 */
export const devportalPluginsReadPermission = createPermission({
  name: 'devportal.plugins.read',
  attributes: { action: 'read' },
});

/** Installing, enabling, disabling and configuring dynamic plugins. */
export const devportalPluginsManagePermission = createPermission({
  name: 'devportal.plugins.manage',
  attributes: { action: 'update' },
});

/** Every permission DevPortal defines; all of them are admin-only. */
export const devportalPermissions = [
  devportalPluginsReadPermission,
  devportalPluginsManagePermission,
];

/** The prefix shared by DevPortal's own permission names. */
export const DEVPORTAL_PERMISSION_PREFIX = 'devportal.';
