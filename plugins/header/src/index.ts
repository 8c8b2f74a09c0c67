/**
 * DevPortal's global header as a dynamic frontend plugin (plugin id `header`).
 *
 * It attaches to the `header` input of the app layout (DevPortal's
 * `app/layout`). Other plugins add widgets next to the user menu by attaching
 * an extension that outputs a React element to the `widgets` input of
 * `app-header:header`.
 */
export { headerPlugin as default, appHeader } from './plugin';
