import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { InstallError } from '../installer/errors';
import { COPIED, dynamicFolderName, exists, folderSize, precompileConfigSchema, type ExportOptions, type ExportResult } from './exportPlugin';

const run = promisify(execFile);
/** The version of a package as the plugin at packageDir resolves it. */
function builtAgainst(name: string, packageDir: string): string | undefined {
  const packageName = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0];
  try {
    return require(require.resolve(`${packageName}/package.json`, { paths: [packageDir] })).version;
  } catch {
    return undefined;
  }
}

export const FRONTEND_ROLES = ['frontend-plugin', 'frontend-plugin-module'];

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
  if (!FRONTEND_ROLES.includes(role)) {
    throw new InstallError(`${pkg.name}: role '${role}' is not a frontend plugin or module`, 'UNSUPPORTED_ROLE');
  }
  if (!(await exists(path.join(options.packageDir, 'src')))) {
    throw new InstallError(
      `${pkg.name}: no src/ folder; frontend plugins are exported from source (a workspace package)`,
      'NOT_BUILDABLE',
    );
  }
  const buildDir = (await isWorkspacePackage(pkg.name, options.packageDir, options.hostDir))
    ? options.packageDir
    : await stageOutsideWorkspace(options.packageDir, options.hostDir);
  try {
    return await buildAndCopy(pkg, role, buildDir, options);
  } finally {
    if (buildDir !== options.packageDir) await fs.rm(buildDir, { recursive: true, force: true });
  }
}

async function buildAndCopy(pkg: Record<string, any>, role: string, buildDir: string, options: ExportOptions): Promise<ExportResult> {
  options.log?.(`${pkg.name}: building a module federation remote`);
  const cli = require.resolve('@backstage/cli/bin/backstage-cli', { paths: [options.hostDir] });
  await run(process.execPath, [cli, 'package', 'build', '--module-federation'], {
    cwd: buildDir,
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
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
  // what matters is the version the code was compiled against.
  const shared: Record<string, string> = {};
  for (const dep of manifest.shared ?? []) {
    if (!dep?.name) continue;
    const version = builtAgainst(dep.name, buildDir) ?? dep.version;
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
  const exported = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    backstage: pkg.backstage,
    configSchema,
    devportal: {
      compatibility: { backstage: options.backstageRelease, shared },
      moduleFederation: { name: manifest.name, exposes: manifest.exposes.map((e: { name: string }) => e.name) },
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
