import { createRequire } from 'node:module';
import path from 'node:path';
import semver from 'semver';

/**
 * What a DevPortal host package (packages/backend for backend plugins,
 * packages/app for frontend ones) already provides to dynamic plugins at run
 * time: every `@backstage/*` package it has (backend), and any other package
 * it resolves at a version the plugin's range accepts. Such dependencies are
 * not copied into an exported plugin. `version()` tells what a package
 * resolves to from the given folder.
 */
export class HostDependencies {
  private readonly hostRequire: NodeRequire;

  /**
   * @param options.backstageFromHost whether every `@backstage/*` package
   *   comes from the host whatever the range (the backend loader resolves
   *   them to the host's; a browser bundle has no such indirection).
   */
  constructor(hostPackageDir: string, private readonly options: { backstageFromHost: boolean } = { backstageFromHost: true }) {
    this.hostRequire = createRequire(path.join(hostPackageDir, 'package.json'));
  }

  version(name: string): string | undefined {
    try {
      return this.hostRequire(`${name}/package.json`).version;
    } catch {
      return undefined;
    }
  }

  provides(name: string, range: string): boolean {
    const version = this.version(name);
    if (!version) return false;
    if (name.startsWith('@backstage/') && this.options.backstageFromHost) return true; // one copy for everybody, see the loader
    return !semver.validRange(range) || semver.satisfies(version, range, { includePrerelease: true });
  }
}
