/**
 * The contract between DevPortal's three dynamic plugin runtimes: the
 * installer (`@devportal/plugin-installer`), the backend loader
 * (`@devportal/plugin-dynamic-plugins-backend`) and the frontend loader
 * (`@devportal/plugin-dynamic-plugins`). Each constant and type is defined
 * here once; the runtimes import it. Isomorphic: no Node or browser APIs.
 *
 * @packageDocumentation
 */
export * from './roles';
export * from './installerState';
export * from './trust';
export * from './status';
export * from './compatibility';
export * from './remotes';
export * from './extensionManifest';
export * from './appShared';
export * from './api';
export * from './marketplace';
export * from './liveApply';
