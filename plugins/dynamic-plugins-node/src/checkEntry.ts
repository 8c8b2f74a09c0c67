import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { featuresOf } from './features';
import { installDynamicPluginResolution } from './moduleResolution';

/**
 * Loads a dynamic backend package the way the backend's loader does (same
 * resolution rules, its own name mapped to its folder) and returns how many
 * features it exports; throws when it fails to load or exports none
 * (`NotABackendFeatureError`).
 *
 * Imports the plugin into the calling process: `devportal plugin export`
 * runs it in a child process of its own.
 */
export function checkBackendPackage(folder: string, options: { hostPackageJson: string }): number {
  const dir = path.resolve(folder);
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const hostRequire = createRequire(options.hostPackageJson);
  const resolution = installDynamicPluginResolution({ hostResolve: request => hostRequire.resolve(request) });
  try {
    resolution.add({ root: dir, packages: new Map([[String(pkg.name), dir]]) });
    return featuresOf(hostRequire(dir)).length;
  } finally {
    resolution.uninstall();
  }
}
