/**
 * Types and permissions shared by DevPortal's plugins.
 *
 * @packageDocumentation
 */
export * from './permissions';
