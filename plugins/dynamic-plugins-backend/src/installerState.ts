import fs from 'node:fs';
import path from 'node:path';

/** The part of the installer's state file (`.devportal-installed.json`) the loader reads. */
export interface InstalledPlugins {
  plugins: Array<{ package: string; folder: string; source: string }>;
  disabled: Array<{ package: string }>;
}

/**
 * What the installer says is installed and enabled. Only these folders are
 * loaded: a folder left in the root for a plugin that is now disabled or
 * no longer configured is never loaded.
 */
export function readInstalledPlugins(root: string): InstalledPlugins | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(root, '.devportal-installed.json'), 'utf8'));
    if (state?.version !== 1) return undefined;
    return { plugins: Object.values(state.plugins ?? {}), disabled: state.disabled ?? [] };
  } catch {
    return undefined;
  }
}
