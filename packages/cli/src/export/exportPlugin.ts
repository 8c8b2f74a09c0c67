import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { isBackendRole } from '@devportal/plugin-dynamic-plugins-common';
import { InstallError } from '@devportal/plugin-installer';
import { HostDependencies } from './hostDependencies';
import { describeNpmFailure, nameOf, parseNpmFailure, withoutCredentials } from './npmFailure';
import { pruneUnreachable } from './prune';

const run = promisify(execFile);
/** Files of a built package that a dynamic plugin needs at run time. */
export const COPIED = ['dist', 'migrations', 'config.d.ts', 'config.schema.json', 'app-config.dynamic.yaml', 'README.md', 'LICENSE'];

export interface ExportOptions {
  /** A built package folder (a workspace package or an unpacked npm package). */
  packageDir: string;
  /** Where the dynamic package folder is created. */
  outDir: string;
  /** The host backend package folder (packages/backend). */
  hostDir: string;
  /** The Backstage release of the host (backstage.json). */
  backstageRelease: string;
  log?(message: string): void;
}

export interface ExportResult {
  dir: string;
  name: string;
  version: string;
  role: string;
  /** Dependencies copied into the package's node_modules. */
  bundled: string[];
  /** Dependencies left to the host. */
  fromHost: string[];
  bytes: number;
}

/**
 * Turns a built Backstage backend plugin or module package into a dynamic
 * package: its files, its private dependencies installed into its own
 * node_modules (no lifecycle scripts), everything the host provides left
 * out, and compatibility metadata in package.json. The entry point is then
 * loaded the way the DevPortal backend will load it and must export a
 * BackendFeature.
 *
 * Not `backstage-cli package bundle`: it copies every `@backstage/*` package
 * into each plugin (325 MB for a scaffolded plugin, tried here), which is
 * what this avoids.
 */
export async function exportBackendPlugin(options: ExportOptions): Promise<ExportResult> {
  const pkg = JSON.parse(await fs.readFile(path.join(options.packageDir, 'package.json'), 'utf8').catch(() => 'null'));
  if (!pkg?.name) throw new InstallError(`${options.packageDir}: no package.json`, 'NOT_A_PACKAGE');
  const role = pkg.backstage?.role;
  if (!isBackendRole(role)) {
    throw new InstallError(`${pkg.name}: role '${role}' is not a backend plugin or module`, 'UNSUPPORTED_ROLE');
  }
  const main = pkg.publishConfig?.main ?? pkg.main;
  if (!main || !(await exists(path.join(options.packageDir, main)))) {
    throw new InstallError(`${pkg.name}: its entry ${main ?? '(none)'} is missing; build the package first (backstage-cli package build)`, 'NOT_BUILT');
  }

  const host = new HostDependencies(options.hostDir);
  const privateDeps: Record<string, string> = {};
  const peers: Record<string, string> = {};
  const fromHost: string[] = [];
  for (const [name, range] of Object.entries<string>(pkg.dependencies ?? {})) {
    if (range.startsWith('workspace:')) {
      throw new InstallError(`${pkg.name}: depends on workspace package ${name}; publish it or make it host-provided`, 'WORKSPACE_DEPENDENCY');
    }
    if (host.provides(name, range)) {
      fromHost.push(name);
      if (name.startsWith('@backstage/')) peers[name] = range;
    } else {
      privateDeps[name] = range;
    }
  }

  const dir = path.join(options.outDir, dynamicFolderName(pkg.name));
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const entry of COPIED) {
    const from = path.join(options.packageDir, entry);
    if (await exists(from)) await fs.cp(from, path.join(dir, entry), { recursive: true });
  }
  const configSchema = await precompileConfigSchema(options.packageDir, pkg, dir, options.log);
  const hostApi = host.version('@backstage/backend-plugin-api');
  const exported = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    main,
    backstage: pkg.backstage,
    configSchema,
    dependencies: privateDeps,
    peerDependencies: peers,
    ...(Object.keys(privateDeps).length > 0 ? { bundleDependencies: Object.keys(privateDeps) } : {}),
    devportal: {
      compatibility: {
        backstage: options.backstageRelease,
        backendPluginApi: peers['@backstage/backend-plugin-api'] ?? (hostApi ? `^${hostApi}` : undefined),
      },
      hostDependencies: fromHost,
    },
  };
  await fs.writeFile(path.join(dir, 'package.json'), `${JSON.stringify(exported, null, 2)}\n`);

  if (Object.keys(privateDeps).length > 0) {
    options.log?.(`${pkg.name}: installing ${Object.keys(privateDeps).length} private dependencies`);
    await installDependencies(dir, `${pkg.name}: installing its private dependencies`);
    // The loader gives plugins the host's @backstage packages: copies of
    // those, and whatever only they need, would never be used.
    await pruneUnreachable(dir, Object.keys(privateDeps), name => name.startsWith('@backstage/') && !!host.version(name));
  }

  await checkEntry(dir, options.hostDir, pkg.name);
  return { dir, name: pkg.name, version: pkg.version, role, bundled: Object.keys(privateDeps), fromHost, bytes: await folderSize(dir) };
}

/**
 * Loads the exported package in a separate Node process with the backend
 * loader's own resolution rules (`checkBackendPackage` from
 * `@devportal/plugin-dynamic-plugins-node`: its own name mapped to its
 * folder, host packages from the host) and checks that it exports a
 * BackendFeature. A separate process, so the plugin's modules do not stay in
 * this one's require cache.
 */
async function checkEntry(dir: string, hostDir: string, name: string) {
  const script = `
    const { checkBackendPackage, NotABackendFeatureError } = require(${JSON.stringify(require.resolve('@devportal/plugin-dynamic-plugins-node'))});
    try {
      checkBackendPackage(${JSON.stringify(dir)}, { hostPackageJson: ${JSON.stringify(path.join(hostDir, 'package.json'))} });
    } catch (error) {
      if (error instanceof NotABackendFeatureError) process.exit(3);
      console.error(error && error.stack || String(error));
      process.exit(1);
    }
  `;
  await run(process.execPath, ['-e', script], { cwd: os.tmpdir() }).catch(error => {
    const reason = error.code === 3 ? 'its entry does not export a BackendFeature' : `its entry fails to load: ${String(error.stderr).trim().split('\n').find(l => /Error/.test(l)) ?? error.message}`;
    throw new InstallError(`${name}: ${reason}`, 'NOT_A_BACKEND_FEATURE');
  });
}

/**
 * A `config.d.ts` schema becomes `config.schema.json`, so the backend can
 * check the plugin's config without TypeScript (production images have none).
 */
export async function precompileConfigSchema(
  packageDir: string,
  pkg: Record<string, any>,
  dir: string,
  log?: (message: string) => void,
): Promise<unknown> {
  if (typeof pkg.configSchema !== 'string' || !pkg.configSchema.endsWith('.d.ts')) return pkg.configSchema;
  try {
    const { loadConfigSchema } = await import('@backstage/config-loader');
    const schema = await loadConfigSchema({
      dependencies: [],
      packagePaths: [path.join(packageDir, 'package.json')],
      excludePackageDependencies: true,
    });
    const [first] = (schema.serialize().schemas as Array<{ value: unknown }>) ?? [];
    if (!first) return pkg.configSchema;
    await fs.writeFile(path.join(dir, 'config.schema.json'), `${JSON.stringify(first.value, null, 2)}\n`);
    return 'config.schema.json';
  } catch (error) {
    log?.(`${pkg.name}: config.d.ts kept as it is (${(error as Error).message.split('\n')[0]})`);
    return pkg.configSchema;
  }
}

/**
 * Installs the dependencies in `dir`/package.json with npm's own installer:
 * no lifecycle scripts, no dev dependencies, peers left to the host.
 * `what` starts the error message.
 */
export async function installDependencies(dir: string, what: string) {
  await run('npm', ['install', '--omit=dev', '--omit=peer', '--ignore-scripts', '--no-package-lock', '--no-audit', '--no-fund', '--legacy-peer-deps', '--loglevel=error'], {
    cwd: dir,
    maxBuffer: 64 * 1024 * 1024,
  }).catch(async error => {
    const output = String(error.stderr || error.message);
    const failure = parseNpmFailure(output);
    // ETARGET names no URL: ask npm which registry it uses for that package.
    const registry = failure.spec && !failure.registry ? await configuredRegistry(dir, nameOf(failure.spec)) : undefined;
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8').catch(() => '{}'));
    const reason = describeNpmFailure(output, { dependencies: pkg.dependencies ?? {}, registryFor: () => registry });
    throw new InstallError(`${what} failed: ${reason}`, 'EXPORT_FAILED');
  });
}

/** The registry npm uses in `dir` for `name` (its scope's, else the default), without credentials. */
async function configuredRegistry(dir: string, name: string): Promise<string | undefined> {
  const scope = name.startsWith('@') ? name.split('/')[0] : undefined;
  for (const key of [...(scope ? [`${scope}:registry`] : []), 'registry']) {
    const value = await run('npm', ['config', 'get', key], { cwd: dir }).then(
      r => r.stdout.trim(),
      () => '',
    );
    if (value && value !== 'undefined') return withoutCredentials(value);
  }
  return undefined;
}

/** `@scope/name` → `scope-name-dynamic`, the folder (and npm package) name of an export. */
export function dynamicFolderName(name: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-dynamic`;
}

export async function exists(p: string) {
  return fs.stat(p).then(() => true, () => false);
}

export async function folderSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderSize(full);
    else if (entry.isFile()) total += (await fs.stat(full)).size;
  }
  return total;
}
