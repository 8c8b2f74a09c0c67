import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { InstallError } from '@devportal/plugin-installer';
import { APP_SHARED_PACKAGES, EXTENSION_MANIFEST, isFrontendRole } from '@devportal/plugin-dynamic-plugins-common';
import { writeExtensionManifest } from './extensionManifest';
import { HostDependencies } from './hostDependencies';
import {
  COPIED,
  dynamicFolderName,
  exists,
  folderSize,
  installDependencies,
  precompileConfigSchema,
  type ExportOptions,
  type ExportResult,
} from './exportPlugin';

const run = promisify(execFile);

/** `@material-ui/core/styles` → `@material-ui/core`: the package of a module request. */
function packageOf(request: string): string {
  return request.split('/').slice(0, request.startsWith('@') ? 2 : 1).join('/');
}

/**
 * Turns a Backstage frontend plugin package (new frontend system or legacy)
 * into a dynamic one: a module federation remote built by `backstage-cli
 * package build --module-federation` (remoteEntry.js, mf-manifest.json and
 * content-hashed chunks; react, react-dom and react-router come from the
 * app), its config schema, and compatibility metadata: the Backstage release
 * and the versions of the shared singletons it was built against, which the
 * app checks before loading it.
 *
 * The build writes the package's own `dist/`; the remote is copied out of it.
 */
export async function exportFrontendPlugin(options: ExportOptions): Promise<ExportResult> {
  const pkg = JSON.parse(await fs.readFile(path.join(options.packageDir, 'package.json'), 'utf8'));
  const role = pkg.backstage?.role;
  if (!isFrontendRole(role)) {
    throw new InstallError(`${pkg.name}: role '${role}' is not a frontend plugin or module`, 'UNSUPPORTED_ROLE');
  }
  // What the app provides at a version the plugin accepts is not bundled.
  const app = new HostDependencies(path.resolve(options.hostDir, '../app'), { backstageFromHost: false });
  let buildDir: string;
  if (!(await exists(path.join(options.packageDir, 'src')))) {
    buildDir = await stagePublishedPackage(options.packageDir, pkg, app, options);
  } else if (await isWorkspacePackage(pkg.name, options.packageDir, options.hostDir)) {
    buildDir = options.packageDir;
  } else {
    buildDir = await stageOutsideWorkspace(options.packageDir, options.hostDir);
  }
  try {
    return await buildAndCopy(pkg, role, buildDir, app, options);
  } finally {
    if (buildDir !== options.packageDir) await fs.rm(buildDir, { recursive: true, force: true });
  }
}

async function buildAndCopy(
  pkg: Record<string, any>,
  role: string,
  buildDir: string,
  app: HostDependencies,
  options: ExportOptions,
): Promise<ExportResult> {
  options.log?.(`${pkg.name}: building a module federation remote`);
  const cli = require.resolve('@backstage/cli/bin/backstage-cli', { paths: [options.hostDir] });
  const fromApp = APP_SHARED_PACKAGES.filter(name => {
    const range = pkg.dependencies?.[name];
    return range !== undefined && app.provides(name, range);
  });
  const mfBuild = {
    externalRuntime: true,
    shared: Object.fromEntries(fromApp.map(name => [name, { singleton: true, import: false, requiredVersion: '*' }])),
  };
  const hook = findUp(__dirname, 'scripts/mf-build-hook.cjs');
  await run(process.execPath, ['-r', hook, cli, 'package', 'build', '--module-federation'], {
    cwd: buildDir,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production', DEVPORTAL_MF_BUILD: JSON.stringify(mfBuild) },
  }).catch(error => {
    const output = `${error.stdout ?? ''}\n${error.stderr ?? ''}`.trim().split('\n');
    throw new InstallError(`${pkg.name}: the module federation build failed:\n${output.slice(-15).join('\n')}`, 'EXPORT_FAILED');
  });

  const manifestPath = path.join(buildDir, 'dist', 'mf-manifest.json');
  const manifest = JSON.parse(await fs.readFile(manifestPath, 'utf8').catch(() => 'null'));
  if (!manifest?.exposes?.length) {
    throw new InstallError(`${pkg.name}: the build wrote no module federation manifest with exposed modules`, 'EXPORT_FAILED');
  }
  // The manifest says `*` for dependencies the app provides (import: false);
  // what matters is the version the code was compiled against: the app's
  // for the packages shared with it above, else what the build resolved.
  const built = new HostDependencies(buildDir);
  const shared: Record<string, string> = {};
  for (const dep of manifest.shared ?? []) {
    if (!dep?.name) continue;
    const version = (fromApp.includes(dep.name) ? app.version(dep.name) : built.version(packageOf(dep.name))) ?? dep.version;
    if (version && version !== '*') shared[dep.name] = version;
  }

  const dir = path.join(options.outDir, dynamicFolderName(pkg.name));
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  for (const entry of COPIED) {
    const from = path.join(buildDir, entry);
    // Source maps would make up 90% of the package; the app's own config
    // schema (.config-schema.json) is not the plugin's.
    if (await exists(from)) {
      await fs.cp(from, path.join(dir, entry), {
        recursive: true,
        filter: file => !file.endsWith('.map') && path.basename(file) !== '.config-schema.json' && path.basename(file) !== 'mf-stats.json',
      });
    }
  }
  const configSchema = await precompileConfigSchema(buildDir, pkg, dir, options.log);
  const exposes: string[] = manifest.exposes.map((e: { name: string }) => e.name);
  const extensions = await writeExtensionManifest({ buildDir, exposes, outDir: dir });
  if (extensions.written && 'legacy' in extensions) {
    options.log?.(`${pkg.name}: ${extensions.apiFactories} API factories described in ${EXTENSION_MANIFEST}; apiFactories wiring of them needs no code at boot`);
  } else if (extensions.written) {
    options.log?.(`${pkg.name}: ${extensions.extensions} extensions described in ${EXTENSION_MANIFEST}; the app fetches its code on first render`);
  } else if (!('legacy' in extensions)) {
    options.log?.(
      `${pkg.name}: no extension manifest (${extensions.reason}); unless wired by dynamicPlugins.frontend config, the app loads its definitions at boot`,
    );
  }
  const exported = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    backstage: pkg.backstage,
    configSchema,
    devportal: {
      compatibility: { backstage: options.backstageRelease, shared },
      moduleFederation: {
        name: manifest.name,
        exposes,
        // The app must provide the runtime (DevPortal's loader does).
        externalRuntime: true,
      },
    },
  };
  await fs.writeFile(path.join(dir, 'package.json'), `${JSON.stringify(exported, null, 2)}\n`);
  return { dir, name: pkg.name, version: pkg.version, role, bundled: [], fromHost: Object.keys(shared), bytes: await folderSize(dir) };
}

/** Whether the host repository's workspace has this package at this folder. */
async function isWorkspacePackage(name: string, packageDir: string, hostDir: string): Promise<boolean> {
  try {
    const resolved = await fs.realpath(require.resolve(`${name}/package.json`, { paths: [hostDir] }));
    return resolved === (await fs.realpath(path.join(packageDir, 'package.json')));
  } catch {
    return false;
  }
}

/**
 * backstage-cli builds only packages of the monorepo it runs in. A package
 * from elsewhere (a fixture, a plugin of another repository) is copied to a
 * folder of its own whose node_modules is the host repository's, so it
 * builds against exactly the packages the app provides.
 */
async function stageOutsideWorkspace(packageDir: string, hostDir: string): Promise<string> {
  const staged = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-frontend-export-'));
  for (const entry of await fs.readdir(packageDir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    await fs.cp(path.join(packageDir, entry), path.join(staged, entry), { recursive: true });
  }
  const repoModules = path.resolve(hostDir, '../../node_modules');
  await fs.symlink(repoModules, path.join(staged, 'node_modules'), 'dir');
  return staged;
}

/**
 * A published frontend package has no sources, only its built ESM. It is
 * wrapped in a package of its own whose entry re-exports it (and the
 * default export of its `./alpha` entry, where new-frontend-system plugins
 * live), with the dependencies the app does not provide at a version the
 * package accepts installed next to it (no lifecycle scripts). The wrapper
 * sits inside the repository so that everything else resolves to the app's
 * own packages, and declares itself a workspace root so backstage-cli
 * builds it as a package of its own.
 */
async function stagePublishedPackage(
  packageDir: string,
  pkg: Record<string, any>,
  app: HostDependencies,
  options: ExportOptions,
): Promise<string> {
  const repoRoot = path.resolve(options.hostDir, '../..');
  const stagingRoot = path.join(repoRoot, '.devportal/export-staging');
  await fs.mkdir(stagingRoot, { recursive: true });
  const staged = await fs.mkdtemp(path.join(stagingRoot, 'frontend-'));
  const own = Object.entries<string>(pkg.dependencies ?? {}).filter(([name, range]) => !app.provides(name, range));
  await fs.writeFile(
    path.join(staged, 'package.json'),
    JSON.stringify({
      name: pkg.name,
      version: pkg.version,
      private: true,
      main: 'src/index.ts',
      backstage: pkg.backstage,
      configSchema: pkg.configSchema,
      workspaces: [],
      dependencies: Object.fromEntries(own),
    }),
  );
  if (own.length > 0) {
    options.log?.(`${pkg.name}: installing ${own.length} dependencies the app does not provide (${own.map(([n]) => n).join(', ')})`);
    await installDependencies(staged, `${pkg.name}: installing its dependencies`);
  }
  // After npm, which would remove a package it did not install.
  await fs.cp(packageDir, path.join(staged, 'node_modules', pkg.name), { recursive: true });
  for (const entry of COPIED) {
    if (entry === 'dist') continue;
    const from = path.join(packageDir, entry);
    if (await exists(from)) await fs.cp(from, path.join(staged, entry), { recursive: true });
  }
  const hasAlpha = Boolean(pkg.exports?.['./alpha']);
  await fs.mkdir(path.join(staged, 'src'));
  await fs.writeFile(
    path.join(staged, 'src/index.ts'),
    `export * from '${pkg.name}';\n${hasAlpha ? `export { default } from '${pkg.name}/alpha';\n` : ''}`,
  );
  return staged;
}

/** `relative` in `start` or the nearest folder above it that has it (works from src/ and dist/). */
function findUp(start: string, relative: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, relative))) return path.join(dir, relative);
    if (path.dirname(dir) === dir) throw new Error(`${relative} not found above ${start}`);
  }
}
