export interface Config {
  devportal?: {
    scaffolder?: {
      /** Settings of the `devportal:publish:local` action. */
      localPublish?: {
        /**
         * Folder that scaffolded projects are published into, one sub-folder
         * per project. Relative paths are resolved against the backend's
         * working directory. Defaults to `.devportal/data/generated`.
         */
        directory?: string;
      };
      /** Settings of the `devportal:catalog:register-file` action. */
      registerFile?: {
        /**
         * Folders whose files the action may register in the catalog, in
         * addition to `devportal.scaffolder.localPublish.directory` (which is
         * always allowed). Relative paths are resolved against the backend's
         * working directory.
         */
        allowedDirectories?: string[];
        /**
         * Whose credentials the catalog sees when the action registers a
         * file: `initiator` (default), the user running the template, so the
         * permission policy applies to them as for the built-in
         * `catalog:register`; or `service`, the scaffolder plugin's own
         * service credentials, which the permission framework always allows
         * (use it to let templates register files while users may not create
         * catalog locations themselves).
         */
        credentials?: 'initiator' | 'service';
      };
    };
    catalog?: {
      /**
       * Location types that may be registered through the catalog API (and
       * used by Location entities), applied by the
       * `catalogModuleDevportalLocationTypes` module of
       * `@devportal/plugin-scaffolder-backend-module-devportal`. Replaces the
       * catalog's built-in default of `['url']`. Defaults to `['url', 'file']`.
       */
      allowedLocationTypes?: string[];
    };
  };
}
