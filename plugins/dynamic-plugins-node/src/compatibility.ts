import type { DeclaredCompatibility, HostVersions } from '@devportal/plugin-dynamic-plugins-common';
import semver from 'semver';

/**
 * Reads the plugin's declared compatibility: DevPortal's own
 * `devportal.compatibility` field, else the peer dependency on
 * `@backstage/backend-plugin-api` that RHDH-style packages declare.
 */
export function declaredCompatibility(pkg: Record<string, any>): DeclaredCompatibility {
  const own = pkg.devportal?.compatibility ?? {};
  return {
    backstage: own.backstage,
    backendPluginApi: own.backendPluginApi ?? pkg.peerDependencies?.['@backstage/backend-plugin-api'],
  };
}

/**
 * The pre-1.0 `@backstage/backend-plugin-api` ranges a 1.x host accepts.
 * 1.0.0 was the promotion of the 0.x backend system to stable ("Release 1.0
 * of the new backend system", its changelog): the API a plugin uses
 * (createBackendPlugin/Module, coreServices, extension points) kept its
 * shape, and what 1.0 removed (coreServices.identity and tokenManager, the
 * callable `createBackendModule(...)()` form) had been deprecated through the
 * 0.x line. 0.6.0 is the last 0.x release that renamed the core API
 * (`coreServices.config` became `rootConfig`, plugin options went away), so a
 * plugin written for anything older uses names the host does not have.
 */
export const PRE_STABLE_BACKEND_PLUGIN_API = '>=0.6.0 <1.0.0';

/** What the host makes of a plugin's declared compatibility. */
export type CompatibilityJudgement =
  | { verdict: 'compatible' }
  /** Loaded, with a warning to log: what it declares and what the host has. */
  | { verdict: 'warning'; reason: string }
  /** Not loaded: what it needs and what the host has. */
  | { verdict: 'refused'; reason: string };

/**
 * Judges whether the plugin can run on this host:
 *
 * - a `@backstage/backend-plugin-api` range the host's version satisfies is
 *   compatible;
 * - a range of pre-1.0 versions from 0.6.0 on (PRE_STABLE_BACKEND_PLUGIN_API)
 *   on a 1.x host is accepted with a warning that names both: 1.0 stabilised
 *   that API, and a plugin that still uses something 1.0 removed fails when
 *   it loads, where per-plugin isolation keeps the portal up and reports why;
 * - any other range the host does not satisfy (older than 0.6, a newer major
 *   or minor than the host's) is refused;
 * - a plugin built for a newer Backstage release than the host's is refused;
 *   older releases are fine when the API range still matches.
 *
 * The API range is judged first: it is the harder constraint.
 */
export function judgeCompatibility(declared: DeclaredCompatibility, host: HostVersions): CompatibilityJudgement {
  let warning: string | undefined;
  const range = declared.backendPluginApi;
  if (range && semver.validRange(range)) {
    if (!semver.satisfies(host.backendPluginApi, range, { includePrerelease: true })) {
      if (!acceptsPreStable(range, host.backendPluginApi)) {
        return { verdict: 'refused', reason: `needs @backstage/backend-plugin-api ${range}, the host has ${host.backendPluginApi}` };
      }
      warning =
        `declares @backstage/backend-plugin-api ${range} (pre-1.0), the host has ${host.backendPluginApi}: ` +
        `accepted because 1.0 stabilised the 0.x API (${PRE_STABLE_BACKEND_PLUGIN_API}); an API removed at 1.0 fails when it loads`;
    }
  }
  const built = semver.coerce(declared.backstage);
  const hosted = semver.coerce(host.backstage);
  if (built && hosted) {
    const builtLine = `${built.major}.${built.minor}`;
    const hostLine = `${hosted.major}.${hosted.minor}`;
    if (semver.gt(`${builtLine}.0`, `${hostLine}.0`)) {
      return { verdict: 'refused', reason: `was built for Backstage ${declared.backstage}, newer than the host's ${host.backstage}` };
    }
  }
  return warning ? { verdict: 'warning', reason: warning } : { verdict: 'compatible' };
}

/** A range wholly inside the stabilised 0.x line, on a 1.x host. */
function acceptsPreStable(range: string, hostVersion: string): boolean {
  const host = semver.parse(hostVersion);
  if (!host || host.major !== 1) return false;
  return semver.subset(range, PRE_STABLE_BACKEND_PLUGIN_API, { includePrerelease: true });
}

/**
 * Returns why the plugin cannot run on this host, saying what it needs and
 * what the host has, or undefined when it can (also when it runs with a
 * warning: judgeCompatibility gives that).
 */
export function incompatibility(declared: DeclaredCompatibility, host: HostVersions): string | undefined {
  const judgement = judgeCompatibility(declared, host);
  return judgement.verdict === 'refused' ? judgement.reason : undefined;
}
