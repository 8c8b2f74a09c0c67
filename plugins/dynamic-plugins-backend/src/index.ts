/**
 * DevPortal's dynamic backend plugin loader.
 *
 * @packageDocumentation
 */
export { dynamicPluginsLoader as default } from './loader';
export { incompatibility, declaredCompatibility } from './compatibility';
export type { DynamicPluginStatus } from './status';
export { readInstalledPlugins, type InstalledPlugins } from './installerState';
