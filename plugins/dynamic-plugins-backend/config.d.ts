export interface Config {
  dynamicPlugins?: {
    /** The dynamic plugins root, written by the plugin installer. */
    rootDirectory?: string;
    backend?: {
      /**
       * How long a dynamic plugin's init may take before it is marked failed
       * and the rest of the backend goes on. Default 30000.
       */
      initTimeoutMs?: number;
      /**
       * Packages loaded even though their declared compatibility does not
       * match this host (logged as a warning).
       */
      ignoreCompatibility?: string[];
    };
  };
}
