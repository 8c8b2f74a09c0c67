/**
 * Where the bench finds the built backend and the CLI in this repository:
 * one place, so the entries, the runs and the set-up agree.
 */
import path from 'node:path';

export const repoRoot = path.resolve(import.meta.dirname, '../..');
export const backendDir = path.join(repoRoot, '.devportal/backend/packages/backend');
export const backendPkgJson = path.join(backendDir, 'package.json');
export const backendBuiltEntry = path.join(backendDir, 'dist/index.cjs.js');
export const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
/** The dynamic plugins loader: the one package the static entries leave out. */
export const LOADER_PACKAGE = '@devportal/plugin-dynamic-plugins-backend';
