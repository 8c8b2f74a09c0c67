import fs from 'node:fs';
import path from 'node:path';
import {
  EXTENSION_MANIFEST,
  isExtensionManifest,
  remoteFileRef,
  type ExtensionManifest,
  type FrontendRemote,
  type LegacyManifest,
} from '@devportal/plugin-dynamic-plugins-common';
import { parse as parseYaml } from 'yaml';

export interface ServedRemote {
  remote: FrontendRemote;
  assetsDir: string;
}

/**
 * Reads a frontend plugin folder built as a module federation remote
 * (`dist/mf-manifest.json` + `dist/remoteEntry.js`, what `backstage-cli
 * package build --module-federation` writes). Returns what is wrong with it
 * otherwise, in words for the status endpoint.
 */
export function readFrontendRemote(
  folder: string,
  pkg: { name: string; devportal?: { compatibility?: { shared?: Record<string, string> } } },
): { served: ServedRemote } | { problem: string } {
  const read = readRemote(folder, pkg);
  if ('served' in read) {
    const defaultWiring = shippedWiring(folder);
    if (defaultWiring) read.served.remote.defaultWiring = defaultWiring;
    const extensions = extensionManifest(folder);
    if (extensions) read.served.remote.extensions = extensions;
  }
  return read;
}

/**
 * The extension manifest of an exported new-frontend-system plugin, if it has
 * a readable one; without it the app loads the plugin's definitions at boot.
 */
export function extensionManifest(folder: string): ExtensionManifest | LegacyManifest | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, EXTENSION_MANIFEST), 'utf8'));
    return isExtensionManifest(manifest) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `dynamicPlugins.frontend` from the package's own `app-config.dynamic.yaml`
 * (RHDH's convention for a plugin's recommended wiring), if it has one.
 */
export function shippedWiring(folder: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(folder, 'app-config.dynamic.yaml'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const frontend = parseYaml(text)?.dynamicPlugins?.frontend;
    return frontend && typeof frontend === 'object' && !Array.isArray(frontend) ? frontend : undefined;
  } catch {
    return undefined; // a broken file is the package's problem; the portal's config still applies
  }
}

function readRemote(
  folder: string,
  pkg: { name: string; devportal?: { compatibility?: { shared?: Record<string, string> } } },
): { served: ServedRemote } | { problem: string } {
  const packageName = pkg.name;
  if (!fs.existsSync(path.join(folder, 'dist', 'mf-manifest.json')) && fs.existsSync(path.join(folder, 'dist-scalprum', 'plugin-manifest.json'))) {
    return readScalprumRemote(folder, packageName);
  }
  const assetsDir = path.join(folder, 'dist');
  const manifestPath = path.join(assetsDir, 'mf-manifest.json');
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return {
      problem: missing
        ? 'no dist/mf-manifest.json: not built as a module federation remote (export it with ./devportal plugin export)'
        : `dist/mf-manifest.json is not valid JSON: ${(error as Error).message}`,
    };
  }
  const name = manifest?.name;
  const entryFile = manifest?.metaData?.remoteEntry?.name;
  const exposes = manifest?.exposes;
  if (typeof name !== 'string' || typeof entryFile !== 'string' || !Array.isArray(exposes)) {
    return { problem: 'dist/mf-manifest.json lacks name, metaData.remoteEntry.name or exposes' };
  }
  const entryPath = path.join(manifest.metaData.remoteEntry.path ?? '', entryFile);
  if (!fs.existsSync(path.join(assetsDir, entryPath))) {
    return { problem: `its remote entry dist/${entryPath} is missing` };
  }
  // Versions the remote was compiled against: written by `devportal plugin
  // export`; the manifest's own are `*` for what the app provides.
  const shared: Record<string, string> = { ...pkg.devportal?.compatibility?.shared };
  for (const dep of Array.isArray(manifest.shared) ? manifest.shared : []) {
    if (typeof dep?.name === 'string' && typeof dep?.version === 'string' && dep.version !== '*') {
      shared[dep.name] ??= dep.version;
    }
  }
  return {
    served: {
      assetsDir,
      remote: {
        packageName,
        remoteInfo: { name, entry: remoteFileRef(packageName, entryPath) },
        exposedModules: exposes.map((e: { name: string }) => e.name),
        shared,
      },
    },
  };
}

/**
 * RHDH's frontend format, as published: `dist-scalprum/plugin-manifest.json`
 * (`name`, `loadScripts`, `registrationMethod: callback`) next to the
 * scripts and chunks. Served unchanged; the app registers the container.
 */
function readScalprumRemote(folder: string, packageName: string): { served: ServedRemote } | { problem: string } {
  const assetsDir = path.join(folder, 'dist-scalprum');
  let manifest: any;
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(assetsDir, 'plugin-manifest.json'), 'utf8'));
  } catch (error) {
    return { problem: `dist-scalprum/plugin-manifest.json is not valid JSON: ${(error as Error).message}` };
  }
  const scripts = manifest?.loadScripts;
  if (typeof manifest?.name !== 'string' || !Array.isArray(scripts) || scripts.length === 0 || !scripts.every(s => typeof s === 'string')) {
    return { problem: 'dist-scalprum/plugin-manifest.json lacks name or loadScripts' };
  }
  if (manifest.registrationMethod && manifest.registrationMethod !== 'callback') {
    return { problem: `dist-scalprum registration method '${manifest.registrationMethod}' is not supported (only 'callback')` };
  }
  const missing = scripts.find((script: string) => !fs.existsSync(path.join(assetsDir, script)));
  if (missing) return { problem: `its script dist-scalprum/${missing} is missing` };

  return {
    served: {
      assetsDir,
      remote: {
        packageName,
        remoteInfo: { name: manifest.name, entry: remoteFileRef(packageName, 'plugin-manifest.json') },
        // Scalprum containers expose PluginRoot by default; wiring names others.
        exposedModules: ['PluginRoot'],
        shared: {},
        scalprum: { loadScripts: scripts.map((script: string) => remoteFileRef(packageName, script)) },
      },
    },
  };
}
