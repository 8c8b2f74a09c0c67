/**
 * DevPortal's own backend plugin.
 *
 * @packageDocumentation
 */
export { devportalPlugin as default } from './plugin';
export { listInstalledPlugins, type InstalledPlugin } from './installedPlugins';
