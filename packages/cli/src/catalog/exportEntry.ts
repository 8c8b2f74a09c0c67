import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { ReadCatalogEntry } from '@devportal/plugin-installer';
import { cacheKey, readCached, readFailure, writeCached, writeFailure, type CachedBuild } from './cache';

/** One entry's build: from the cache or just made, or why it could not be made. */
export interface BuildOutcome {
  entry: ReadCatalogEntry;
  spec: string;
  cached: boolean;
  /** The plugin package folder (absolute), when the build succeeded. */
  dir?: string;
  result?: CachedBuild;
  error?: string;
}

export interface BuildContext {
  repoRoot: string;
  cacheDir: string;
  toolVersion: string;
  /** pacote options from the npm settings (.npmrc): registry, auth. */
  npmOptions: Record<string, unknown>;
  registry: string;
  /** Build again entries whose last build failed (by default their failure is read from the cache). */
  retryFailed?: boolean;
  log(message: string): void;
}

/**
 * Builds one catalog entry into its cache folder, unless a finished build is
 * there: first checks that the registry has the pinned version with the
 * pinned integrity (a wrong integrity or a missing package is this entry's
 * error, named with the registry asked); then `plugin export --from-npm` for
 * upstream packages (`needsExport`), or the package unpacked as published
 * for RHDH-format ones. Never throws: the rest of the build goes on.
 */
export async function buildEntry(entry: ReadCatalogEntry, context: BuildContext): Promise<BuildOutcome> {
  const version = entry.versions[0];
  const spec = version.package;
  const mode = entry.needsExport ? 'export' : 'unchanged';
  const dir = path.join(context.cacheDir, cacheKey({ spec, integrity: version.integrity, mode, toolVersion: context.toolVersion }));
  const hit = await readCached(dir);
  if (hit) return { entry, spec, cached: true, dir: path.join(dir, hit.folder), result: hit };
  // A failure is as deterministic as a success for the same inputs (a
  // dependency the registry lacks, an export that cannot build it), so it is
  // cached too; --retry-failed tries again (a registry that gained the package).
  const failure = context.retryFailed ? undefined : await readFailure(dir);
  if (failure) return { entry, spec, cached: true, error: failure.error };
  await fs.rm(dir, { recursive: true, force: true });
  await fs.mkdir(dir, { recursive: true });
  try {
    await checkPinned(spec, version.integrity, context);
    const started = Date.now();
    const built = mode === 'export' ? await exportPackage(spec, dir, context) : await unpackPackage(spec, version.integrity, dir, context);
    const result: CachedBuild = { ...built, spec, buildMs: Date.now() - started, builtAt: new Date().toISOString() };
    await writeCached(dir, result);
    return { entry, spec, cached: false, dir: path.join(dir, result.folder), result };
  } catch (error) {
    const message = (error as Error).message;
    await writeFailure(dir, { spec, error: message, failedAt: new Date().toISOString() }).catch(() => {});
    return { entry, spec, cached: false, error: message };
  }
}

async function pacote(): Promise<any> {
  return import('pacote').then(m => (m as any).default ?? m);
}

/** The registry must have this exact version, with the integrity the entry pins. */
export async function checkPinned(spec: string, integrity: string | undefined, context: BuildContext) {
  if (!integrity) throw new Error(`${spec}: the entry pins no integrity`);
  let manifest: { _integrity?: string };
  try {
    manifest = await (await pacote()).manifest(spec, { ...context.npmOptions, fullMetadata: false });
  } catch (error) {
    const code = (error as { code?: string }).code;
    const what = code === 'E404' || code === 'ETARGET' ? 'has no such package or version' : `could not be asked (${code ?? (error as Error).message.split('\n')[0]})`;
    throw new Error(`${spec}: the npm registry ${context.registry} ${what}`);
  }
  if (manifest._integrity !== integrity) {
    throw new Error(`${spec}: integrity mismatch: the entry pins ${integrity.slice(0, 24)}…, ${context.registry} has ${String(manifest._integrity).slice(0, 24)}…`);
  }
}

/** `devportal plugin export --from-npm` in its own process, as a user runs it. */
async function exportPackage(spec: string, dir: string, context: BuildContext): Promise<Omit<CachedBuild, 'spec' | 'buildMs' | 'builtAt'>> {
  const cli = path.join(context.repoRoot, 'packages/cli/bin/devportal-cli');
  const out = path.join(dir, 'out');
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [cli, 'plugin', 'export', '--from-npm', spec, '--out', out, '--json'],
      { cwd: context.repoRoot, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve({ stdout });
        // The export's own error, with the lines it continues on (a build's output).
        const lines = String(stderr).split('\n');
        const at = lines.findIndex(l => l.startsWith('devportal: error:'));
        let text = at >= 0 ? lines.slice(at).join(' ').replace('devportal: error: ', '') : `export failed: ${lines.filter(Boolean).slice(-3).join(' | ') || error.message}`;
        // A build's output follows its error line: the compiler's own error
        // lines (`Error: …`, `× …`) say why, the warnings before them do not.
        const after = lines.slice(at + 1);
        const cause = after.findIndex(l => /^\s*(Error:|×)/.test(l));
        if (at >= 0 && cause >= 0) text = `${lines[at].replace('devportal: error: ', '')} ${after.slice(cause, cause + 2).join(' ')}`;
        reject(new Error(text.replace(/\s+/g, ' ').trim().slice(0, 600)));
      },
    );
  });
  const result = JSON.parse(stdout.trim().split('\n').pop()!);
  const pkg = JSON.parse(await fs.readFile(path.join(result.dir, 'package.json'), 'utf8'));
  return {
    name: result.name,
    version: result.version,
    role: result.role,
    folder: path.relative(dir, result.dir),
    bytes: result.bytes,
    compatibility: pkg.devportal?.compatibility,
  };
}

/** An RHDH-format package: unpacked as published, integrity checked by pacote while it streams. */
async function unpackPackage(spec: string, integrity: string | undefined, dir: string, context: BuildContext) {
  const target = path.join(dir, 'out', 'package');
  await (await pacote()).extract(spec, target, { ...context.npmOptions, integrity, ignoreScripts: true });
  const pkg = JSON.parse(await fs.readFile(path.join(target, 'package.json'), 'utf8'));
  const folder = path.join('out', `${pkg.name.replace(/^@/, '').replace('/', '-')}${pkg.name.endsWith('-dynamic') ? '' : '-dynamic'}`);
  await fs.rename(target, path.join(dir, folder));
  const deps = { ...pkg.peerDependencies, ...pkg.dependencies };
  const compatibility: Record<string, unknown> = {};
  for (const name of ['@backstage/backend-plugin-api', '@backstage/core-plugin-api']) if (deps[name]) compatibility[name] = deps[name];
  if (pkg.backstage?.['supported-versions']) compatibility.backstage = pkg.backstage['supported-versions'];
  return { name: pkg.name, version: pkg.version, role: pkg.backstage?.role ?? 'unknown', folder, bytes: await folderBytes(path.join(dir, folder)), compatibility };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await folderBytes(full);
    else if (entry.isFile()) total += (await fs.stat(full)).size;
  }
  return total;
}
