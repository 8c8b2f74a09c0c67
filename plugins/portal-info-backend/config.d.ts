export interface Config {
  portalInfo?: {
    /**
     * Links shown on the home page.
     * @visibility frontend
     */
    links?: Array<{
      /** @visibility frontend */
      title: string;
      /** @visibility frontend */
      url: string;
      /** @visibility frontend */
      icon?: string;
    }>;
    /** How often catalog statistics are recounted, in minutes. Default 5. */
    statsIntervalMinutes?: number;
  };
}
