export interface Config {
  /** Settings of the dynamic plugins root, written by the plugin installer. */
  dynamicPlugins?: {
    /**
     * Folder holding one sub-folder per installed dynamic plugin package.
     * Relative paths are resolved against the backend's working directory.
     */
    rootDirectory?: string;
  };
}
