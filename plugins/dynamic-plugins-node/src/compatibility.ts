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
 * Returns why the plugin cannot run on this host, saying what it needs and
 * what the host has, or undefined when it can. A plugin built for a newer
 * Backstage release than the host's, or needing a backend-plugin-api the host
 * does not satisfy, is refused; older releases are fine when the API range
 * still matches.
 */
export function incompatibility(declared: DeclaredCompatibility, host: HostVersions): string | undefined {
  if (declared.backendPluginApi && semver.validRange(declared.backendPluginApi)) {
    if (!semver.satisfies(host.backendPluginApi, declared.backendPluginApi, { includePrerelease: true })) {
      return `needs @backstage/backend-plugin-api ${declared.backendPluginApi}, the host has ${host.backendPluginApi}`;
    }
  }
  const built = semver.coerce(declared.backstage);
  const hosted = semver.coerce(host.backstage);
  if (built && hosted) {
    const builtLine = `${built.major}.${built.minor}`;
    const hostLine = `${hosted.major}.${hosted.minor}`;
    if (semver.gt(`${builtLine}.0`, `${hostLine}.0`)) {
      return `was built for Backstage ${declared.backstage}, newer than the host's ${host.backstage}`;
    }
  }
  return undefined;
}
