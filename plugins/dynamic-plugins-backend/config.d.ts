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
    /** The marketplace: the Plugins page and its API (docs/plugins/marketplace.md). */
    marketplace?: {
      /** The base dynamic-plugins.yaml the marketplace layer goes over. Default `dynamic-plugins.yaml`. */
      baseConfig?: string;
      /** The devportal-cli that installs a generation, in a child process. Default `packages/cli/bin/devportal-cli`. */
      installer?: string;
      /** Extra flags for that install, e.g. `--insecure-registry`, `--require-oci-digest`. */
      installerArgs?: string[];
      /** How long an install may run before it is stopped and the apply fails. Default 600000. */
      installTimeoutMs?: number;
      /** How long the apply lock holds when its apply never finishes (a crash). Default 900000. */
      lockTimeoutMs?: number;
      /**
       * Whether a successful apply restarts the backend through its supervisor
       * (`./devportal start`, the container entrypoint). Default true.
       */
      restart?: boolean;
      /**
       * How often (ms) each portal process reports itself in the replica view
       * and looks for a newer serving generation to follow. Default 3000.
       */
      replicaPollMs?: number;
      catalog?: {
        /**
         * Where the catalog is read from, in order; the first entry with an id
         * wins. Default: the index shipped in `marketplace/index`.
         */
        sources?: Array<{
          /** `index` (a folder, one file per plugin), `file`, `url` or `oci` (RHDH's catalog index image). */
          type: 'index' | 'file' | 'url' | 'oci';
          path?: string;
          url?: string;
          image?: string;
        }>;
      };
    };
  };
}
