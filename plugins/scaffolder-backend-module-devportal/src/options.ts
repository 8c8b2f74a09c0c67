import { Config } from '@backstage/config';
import path from 'node:path';
import type { RegisterFileCredentials } from './actions/registerFile';

/** Default of `devportal.scaffolder.localPublish.directory`. */
export const DEFAULT_LOCAL_PUBLISH_DIRECTORY = '.devportal/data/generated';

/** Default of `devportal.catalog.allowedLocationTypes`. */
export const DEFAULT_ALLOWED_LOCATION_TYPES = ['url', 'file'];

/**
 * The module's settings, with every folder resolved to an absolute path.
 *
 * @public
 */
export interface DevportalScaffolderOptions {
  /** Where `devportal:publish:local` writes projects. */
  localPublishDirectory: string;
  /** Folders whose files `devportal:catalog:register-file` may register. */
  registerFileAllowedDirectories: string[];
  /** Whose credentials `devportal:catalog:register-file` registers with. */
  registerFileCredentials: RegisterFileCredentials;
}

/**
 * Reads `devportal.scaffolder.*`, resolving relative folders against
 * `workingDirectory` (the backend's working directory by default).
 *
 * @public
 */
export function readDevportalScaffolderOptions(
  config: Config,
  workingDirectory: string = process.cwd(),
): DevportalScaffolderOptions {
  const localPublishDirectory = path.resolve(
    workingDirectory,
    config.getOptionalString('devportal.scaffolder.localPublish.directory') ??
      DEFAULT_LOCAL_PUBLISH_DIRECTORY,
  );
  const extra =
    config.getOptionalStringArray(
      'devportal.scaffolder.registerFile.allowedDirectories',
    ) ?? [];
  const registerFileAllowedDirectories = [
    ...new Set([
      localPublishDirectory,
      ...extra.map(dir => path.resolve(workingDirectory, dir)),
    ]),
  ];
  const registerFileCredentials =
    config.getOptionalString('devportal.scaffolder.registerFile.credentials') ??
    'initiator';
  if (
    registerFileCredentials !== 'initiator' &&
    registerFileCredentials !== 'service'
  ) {
    throw new Error(
      `devportal.scaffolder.registerFile.credentials must be 'initiator' or 'service', got '${registerFileCredentials}'`,
    );
  }
  return {
    localPublishDirectory,
    registerFileAllowedDirectories,
    registerFileCredentials,
  };
}

/**
 * Reads `devportal.catalog.allowedLocationTypes`.
 *
 * @public
 */
export function readAllowedLocationTypes(config: Config): string[] {
  return (
    config.getOptionalStringArray('devportal.catalog.allowedLocationTypes') ??
    DEFAULT_ALLOWED_LOCATION_TYPES
  );
}
