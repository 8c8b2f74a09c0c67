export interface Config {
  /** DevPortal's home page (the bundled `@devportal/plugin-home` dynamic plugin). */
  home?: {
    /**
     * Greeting above the user's name; `{name}` is replaced by the user's
     * display name. Default: a greeting by time of day.
     * @visibility frontend
     */
    greeting?: string;
    /**
     * Sub-title under the greeting.
     * @visibility frontend
     */
    subtitle?: string;
    /**
     * Links in the "Quick links" card. When unset, the links served by the
     * portal-info backend plugin (`portalInfo.links`) are shown.
     * @visibility frontend
     */
    quickLinks?: Array<{
      /** @visibility frontend */
      title: string;
      /** @visibility frontend */
      url: string;
      /** @visibility frontend */
      description?: string;
    }>;
    /**
     * Free-form cards shown after the built-in ones, in order.
     * @visibility frontend
     */
    cards?: Array<{
      /** @visibility frontend */
      title: string;
      /** Plain text; blank lines separate paragraphs. @visibility frontend */
      text?: string;
      /** @visibility frontend */
      links?: Array<{
        /** @visibility frontend */
        title: string;
        /** @visibility frontend */
        url: string;
      }>;
    }>;
    /**
     * Built-in cards to hide: any of `starred`, `recent`, `catalog`, `links`.
     * @visibility frontend
     */
    hide?: string[];
  };
}
