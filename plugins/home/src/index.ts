/**
 * DevPortal's home page as a dynamic frontend plugin (plugin id `home`).
 *
 * Other plugins add cards by attaching an extension that outputs a React
 * element (and optionally a title) to the `cards` input of `page:home`; see
 * docs/plugins/frontend.md.
 */
export { homePlugin as default } from './plugin';
export { homePage, visitRecorder } from './plugin';
