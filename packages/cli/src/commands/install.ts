import path from 'node:path';
import { InstallError, installPlugins, selectPresetsCatalog, type InstallOutcome } from '@devportal/plugin-installer';
import { positiveInt } from './wholeNumberFlags';

interface InstallCommandOptions {
  config: string;
  root: string;
  json?: boolean;
  concurrency: string;
  skipIntegrity?: boolean;
  insecureRegistry: string[];
  maxEntrySize: string;
  maxConfigSize: string;
  allowPluginConfigKey: string[];
  /** Download caps (bytes, or a count of layers); each defaults to the installer's own limit when not given. */
  maxArchiveSize?: string;
  maxNpmTarballSize?: string;
  maxOciLayers?: string;
  maxOciLayerSize?: string;
  maxOciImageSize?: string;
  maxOciManifestSize?: string;
  requireOciDigest?: boolean;
  /** The backend's app-config files: the marketplace layer is read from the database they configure. */
  appConfig?: string[];
  /** A marketplace layer file to apply over --config (what an apply from the backend passes). */
  layer?: string;
  progress?: boolean;
  refuseIncompatible?: boolean;
  /** Presets added to the file's `presets:` (`--preset`, repeatable). */
  preset?: string[];
  presetsDir?: string;
  /** --presets-catalog: a published catalog file (relative to the current folder) or an oci:// / https:// reference. */
  presetsCatalog?: string;
}

/**
 * `devportal plugins install`: exit 0 when every enabled plugin is installed,
 * 1 otherwise with one line per failed plugin. Nothing in the root changes
 * unless everything succeeded.
 */
export async function installCommand(options: InstallCommandOptions) {
  // Per-plugin lines go to a terminal, or wherever --progress asks (the backend's apply reads them).
  const quiet = !options.progress && (options.json || !process.stderr.isTTY);
  selectPresetsCatalog(options.presetsCatalog, process.cwd());
  let outcome: InstallOutcome;
  try {
    const layerFile = options.layer ? path.resolve(options.layer) : await desiredLayerFile(options, quiet);
    outcome = await installPlugins({
      layerFile,
      vet: options.refuseIncompatible ? await compatibilityVet() : undefined,
      configFile: path.resolve(options.config),
      root: path.resolve(options.root),
      concurrency: positiveInt(options.concurrency, '--concurrency'),
      skipIntegrity: options.skipIntegrity || process.env.SKIP_INTEGRITY_CHECK === 'true',
      insecureRegistries: options.insecureRegistry,
      maxEntryBytes: positiveInt(options.maxEntrySize, '--max-entry-size'),
      maxConfigBytes: positiveInt(options.maxConfigSize, '--max-config-size'),
      allowedPluginConfigKeys: options.allowPluginConfigKey,
      maxArchiveBytes: optionalPositiveInt(options.maxArchiveSize, '--max-archive-size'),
      maxNpmTarballBytes: optionalPositiveInt(options.maxNpmTarballSize, '--max-npm-tarball-size'),
      maxOciLayers: optionalPositiveInt(options.maxOciLayers, '--max-oci-layers'),
      maxOciLayerBytes: optionalPositiveInt(options.maxOciLayerSize, '--max-oci-layer-size'),
      maxOciImageBytes: optionalPositiveInt(options.maxOciImageSize, '--max-oci-image-size'),
      maxOciManifestBytes: optionalPositiveInt(options.maxOciManifestSize, '--max-oci-manifest-size'),
      requireOciDigest: options.requireOciDigest ?? false,
      presets: options.preset,
      presetsDir: options.presetsDir ? path.resolve(options.presetsDir) : undefined,
      log: quiet ? undefined : message => process.stderr.write(`  ${message}\n`),
    });
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ ok: false, error: { code: error.code, message: error.message } })}\n`);
    } else {
      process.stderr.write(`devportal: error: ${error.message}\n`);
    }
    process.exitCode = 1;
    return;
  }

  if (options.json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  } else {
    for (const warning of outcome.warnings) process.stderr.write(`devportal: warning: ${warning}\n`);
    for (const plugin of outcome.plugins) {
      if (plugin.status === 'failed') process.stderr.write(`devportal: failed: ${plugin.error!.message}\n`);
    }
    const count = (status: string) => outcome.plugins.filter(p => p.status === status).length;
    const summary = outcome.ok
      ? `${count('installed')} installed, ${count('unchanged')} unchanged, ${count('disabled')} disabled, ${outcome.removed.length} removed`
      : `${count('failed')} failed; the previously installed plugins are kept`;
    process.stderr.write(`devportal: plugins: ${summary}\n`);
  }
  if (!outcome.ok) process.exitCode = 1;
}

/**
 * Refuses a backend package the host cannot run, with the loader's own rule
 * (`incompatibility`): the versions are this repository's (or image's), the
 * same packages the backend runs with.
 */
async function compatibilityVet(): Promise<(pkg: Record<string, any>) => string | undefined> {
  const { BACKEND_ROLES } = await import('@devportal/plugin-dynamic-plugins-common');
  const { declaredCompatibility, incompatibility } = await import('@devportal/plugin-dynamic-plugins-node');
  const fs = await import('node:fs');
  const backstage = (() => {
    try {
      return JSON.parse(fs.readFileSync(path.resolve('backstage.json'), 'utf8')).version as string;
    } catch {
      return undefined;
    }
  })();
  const host = { backstage, backendPluginApi: require('@backstage/backend-plugin-api/package.json').version as string };
  return pkg => {
    const role = pkg.backstage?.role;
    if (!(BACKEND_ROLES as readonly string[]).includes(role)) return undefined;
    return incompatibility(declaredCompatibility(pkg), host);
  };
}

/** The stored generation's layer, written where the installer reads it; undefined before the first apply. */
async function desiredLayerFile(options: InstallCommandOptions, quiet: boolean | undefined): Promise<string | undefined> {
  if (!options.appConfig?.length) return undefined;
  const { withDesiredState } = await import('../desiredState');
  const { writeLayerFile } = await import('@devportal/plugin-dynamic-plugins-node');
  return withDesiredState(options.appConfig, async store => {
    const generation = await store?.desiredGeneration();
    if (!generation) return undefined;
    if (!quiet) process.stderr.write(`  marketplace: generation ${generation.id} (${generation.layer.length} entries over ${path.basename(options.config)})\n`);
    return writeLayerFile(path.resolve(options.root), generation);
  });
}

/** A flag without a default in the program: absent means the installer's own limit. */
function optionalPositiveInt(value: string | undefined, flag: string): number | undefined {
  return value === undefined ? undefined : positiveInt(value, flag);
}
