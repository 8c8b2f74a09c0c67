/**
 * DevPortal's dynamic plugin loader for the backend: loads the dynamic
 * backend plugins, serves the frontend ones, and provides
 * `dynamicPluginsServiceRef` (from `@devportal/plugin-dynamic-plugins-node`).
 *
 * @packageDocumentation
 */
export { dynamicPluginsLoader as default } from './loader';
