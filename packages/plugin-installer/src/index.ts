/**
 * DevPortal's dynamic plugin installer as a library.
 *
 * @packageDocumentation
 */
export { InstallError } from './errors';
export { installPlugins, readState, APP_CONFIG_FILE, STATE_FILE } from './install';
export type { InstallOptions, InstallOutcome, PluginOutcome, PluginStatus } from './install';
export { readNpmSettings, redact } from './sources/npmrc';
export type { NpmSettings } from './sources/npmrc';
export { publishNpmPackage } from './publish/npmPackage';
export type { NpmPublishOptions } from './publish/npmPackage';
export { publishOciImage } from './publish/ociImage';
export type { OciPublishOptions } from './publish/ociImage';
