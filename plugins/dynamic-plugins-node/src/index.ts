/**
 * The Node runtime of DevPortal's dynamic plugins, shared by the backend
 * loader, `devportal plugin export` and the benches: module resolution for
 * plugin folders, the compatibility decision, what a package exports, the
 * installer state reader, and the service other backend plugins consume.
 *
 * @packageDocumentation
 */
export {
  declaredCompatibility,
  incompatibility,
  judgeCompatibility,
  PRE_STABLE_BACKEND_PLUGIN_API,
  type CompatibilityJudgement,
} from './compatibility';
export { installDynamicPluginResolution, packageNameOf, type DynamicPluginResolution, type PluginPackageSet } from './moduleResolution';
export { featuresOf, isBackendFeature, NotABackendFeatureError } from './features';
export { checkBackendPackage } from './checkEntry';
export { readInstallState } from './installerState';
export { listInstalledPlugins } from './installedPlugins';
export { dynamicPluginsServiceRef, type DynamicPluginsService } from './service';
export * from './desiredState';
