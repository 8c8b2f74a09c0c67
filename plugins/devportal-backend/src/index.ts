/**
 * DevPortal's own backend plugin.
 *
 * @packageDocumentation
 */
export { devportalPlugin as default } from './plugin';
