/**
 * DevPortal's scaffolder actions: publish a scaffolded project to a folder
 * on the backend host and register its catalog file, without any network.
 *
 * The default export is the scaffolder module. The catalog module
 * `catalogModuleDevportalLocationTypes` lets the catalog accept the `file`
 * locations that `devportal:catalog:register-file` registers.
 *
 * @packageDocumentation
 */
import { catalogModuleDevportalLocationTypes } from './catalogModule';
import { scaffolderModuleDevportal } from './module';

export { scaffolderModuleDevportal as default, catalogModuleDevportalLocationTypes };

/**
 * Both modules when loaded as a dynamic plugin (RHDH's installer shape): the
 * scaffolder actions and the catalog module that lets them register files.
 */
export const dynamicPluginInstaller = {
  kind: 'new' as const,
  install: () => [scaffolderModuleDevportal, catalogModuleDevportalLocationTypes],
};
export {
  createPublishLocalAction,
  validateProjectName,
  PUBLISH_LOCAL_ACTION_ID,
  type PublishLocalActionOptions,
} from './actions/publishLocal';
export {
  createRegisterFileAction,
  REGISTER_FILE_ACTION_ID,
  type RegisterFileActionOptions,
  type RegisterFileCredentials,
} from './actions/registerFile';
export {
  readDevportalScaffolderOptions,
  readAllowedLocationTypes,
  type DevportalScaffolderOptions,
} from './options';
