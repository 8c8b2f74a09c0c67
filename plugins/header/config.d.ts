export interface Config {
  /** DevPortal's global header (the bundled `@devportal/plugin-header` dynamic plugin). */
  header?: {
    /**
     * Logo images; without them the header shows `app.title` as a wordmark.
     * @visibility frontend
     */
    logo?: {
      /** Image URL for light themes. @visibility frontend */
      light?: string;
      /** Image URL for dark themes; defaults to `light`. @visibility frontend */
      dark?: string;
      /** Accessible name of the logo. Default: `app.title`. @visibility frontend */
      alt?: string;
    };
    /**
     * Entries of the help menu. Default: Documentation (/docs).
     * @visibility frontend
     */
    supportLinks?: Array<{
      /** @visibility frontend */
      title: string;
      /** @visibility frontend */
      url: string;
    }>;
    /**
     * Hide the search field in the header.
     * @visibility frontend
     */
    hideSearch?: boolean;
  };
}
