/** Backstage package roles (`backstage.role` in package.json) that run in the backend. */
export const BACKEND_ROLES = ['backend-plugin', 'backend-plugin-module'] as const;
/** Backstage package roles that run in the browser. */
export const FRONTEND_ROLES = ['frontend-plugin', 'frontend-plugin-module'] as const;

export type BackendRole = (typeof BACKEND_ROLES)[number];
export type FrontendRole = (typeof FRONTEND_ROLES)[number];

export function isBackendRole(role: unknown): role is BackendRole {
  return (BACKEND_ROLES as readonly unknown[]).includes(role);
}

export function isFrontendRole(role: unknown): role is FrontendRole {
  return (FRONTEND_ROLES as readonly unknown[]).includes(role);
}
