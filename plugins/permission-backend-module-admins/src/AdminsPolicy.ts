import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { DEVPORTAL_PERMISSION_PREFIX } from '@devportal/plugin-devportal-common';

/** Who the admins are and which permissions are reserved for them. */
export interface AdminsPolicyOptions {
  admins: string[];
  adminOnlyPermissions: string[];
}

/**
 * Reads the policy settings from config. Entity refs are normalised
 * (`jane` means `user:default/jane` only when written with a kind), so that a
 * spelling difference in config does not silently lock an admin out.
 */
export function readAdminsPolicyOptions(config: Config): AdminsPolicyOptions {
  const admins = (config.getOptionalStringArray('devportal.admins') ?? []).map(
    (ref, index) => {
      try {
        return stringifyEntityRef(parseEntityRef(ref));
      } catch (error) {
        throw new Error(
          `Invalid entity reference '${ref}' at devportal.admins[${index}]: ${(error as Error).message}`,
        );
      }
    },
  );
  return {
    admins,
    adminOnlyPermissions:
      config.getOptionalStringArray('devportal.adminOnlyPermissions') ?? [],
  };
}

/**
 * Admins, listed as users or groups, may do everything. Everybody else may do
 * what a portal user does (read the catalog, run templates, read docs) but not
 * DevPortal's own admin permissions nor the configured admin-only ones.
 */
export class AdminsPolicy implements PermissionPolicy {
  private readonly admins: Set<string>;
  private readonly adminOnly: Set<string>;

  constructor(options: AdminsPolicyOptions) {
    this.admins = new Set(options.admins);
    this.adminOnly = new Set(options.adminOnlyPermissions);
  }

  isAdmin(user?: PolicyQueryUser): boolean {
    if (!user) return false;
    const refs = [user.info.userEntityRef, ...user.info.ownershipEntityRefs];
    return refs.some(ref => this.admins.has(ref));
  }

  async handle(request: PolicyQuery, user?: PolicyQueryUser): Promise<PolicyDecision> {
    if (this.isAdmin(user)) {
      return { result: AuthorizeResult.ALLOW };
    }
    const name = request.permission.name;
    if (name.startsWith(DEVPORTAL_PERMISSION_PREFIX) || this.adminOnly.has(name)) {
      return { result: AuthorizeResult.DENY };
    }
    return { result: AuthorizeResult.ALLOW };
  }
}
