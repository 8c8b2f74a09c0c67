/**
 * Quick links and catalog statistics for DevPortal's home page.
 *
 * @packageDocumentation
 */
export { portalInfoPlugin as default } from './plugin';
