import { createPermission } from '@backstage/plugin-permission-common';

/**
 * Reading which dynamic plugins are installed and how they are configured.
 * Plugin configuration can hold internal URLs, so only admins may read it.
 */
export const devportalPluginsReadPermission = createPermission({
  name: 'devportal.plugins.read',
  attributes: { action: 'read' },
});

/**
 * Installing, upgrading, enabling, disabling, uninstalling dynamic plugins,
 * applying staged changes and rolling back: anything that changes which code
 * runs in the portal.
 */
export const devportalPluginsInstallPermission = createPermission({
  name: 'devportal.plugins.install',
  attributes: { action: 'create' },
});

/** Changing a dynamic plugin's `pluginConfig`. */
export const devportalPluginsConfigurePermission = createPermission({
  name: 'devportal.plugins.configure',
  attributes: { action: 'update' },
});

/** Every permission DevPortal defines; all of them are admin-only. */
export const devportalPermissions = [
  devportalPluginsReadPermission,
  devportalPluginsInstallPermission,
  devportalPluginsConfigurePermission,
];

/** The prefix shared by DevPortal's own permission names. */
export const DEVPORTAL_PERMISSION_PREFIX = 'devportal.';
