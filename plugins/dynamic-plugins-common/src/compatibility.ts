/**
 * What a dynamic plugin says it was built for: `devportal.compatibility` in
 * its package.json, written by `devportal plugin export`.
 */
export interface DeclaredCompatibility {
  /** The Backstage release it was built against, e.g. `1.55.0`. */
  backstage?: string;
  /** The `@backstage/backend-plugin-api` range it needs (backend plugins). */
  backendPluginApi?: string;
  /**
   * Frontend plugins: the versions of the app's shared singletons it was
   * compiled against, by package name.
   */
  shared?: Record<string, string>;
}

/** What the running portal offers. */
export interface HostVersions {
  backstage?: string;
  backendPluginApi: string;
}
