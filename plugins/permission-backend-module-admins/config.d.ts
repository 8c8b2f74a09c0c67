export interface Config {
  devportal?: {
    /**
     * Users and groups who administer the portal, as entity references
     * (`user:default/jane`, `group:default/platform-admins`). Admins are allowed
     * every permission; everybody else is denied DevPortal's own permissions
     * (installing and configuring plugins) and those in `adminOnlyPermissions`.
     */
    admins?: string[];
    /**
     * Further permission names that only admins get, such as
     * `catalog.entity.delete`.
     */
    adminOnlyPermissions?: string[];
  };
}
