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
export { scaffolderModuleDevportal as default } from './module';
export { catalogModuleDevportalLocationTypes } from './catalogModule';
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
