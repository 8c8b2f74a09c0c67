/**
 * DevPortal's permission policy module.
 *
 * @packageDocumentation
 */
export { permissionModuleAdmins as default } from './module';
export { AdminsPolicy, readAdminsPolicyOptions, type AdminsPolicyOptions } from './AdminsPolicy';
