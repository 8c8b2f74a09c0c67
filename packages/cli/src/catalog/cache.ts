import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * What an export's result depends on besides the package itself: the export
 * code, the loader rules its entry check uses (checkEntry and what it
 * imports), the shared-package and role lists of the contract, the Backstage
 * release it records and the host's dependency versions. Only those files of
 * the loader and contract packages: the rest of them (marketplace state, the
 * live apply protocol) changes no export, and hashing it would make every
 * edit there rebuild the whole catalog.
 */
export const EXPORT_TOOL_INPUTS = [
  'packages/cli/src/export',
  'packages/cli/src/commands/export.ts',
  'plugins/dynamic-plugins-node/src/checkEntry.ts',
  'plugins/dynamic-plugins-node/src/features.ts',
  'plugins/dynamic-plugins-node/src/moduleResolution.ts',
  'plugins/dynamic-plugins-common/src/appShared.ts',
  'plugins/dynamic-plugins-common/src/extensionManifest.ts',
  'plugins/dynamic-plugins-common/src/roles.ts',
  'backstage.json',
  'yarn.lock',
];

/** The export tool's version: a hash of its inputs (test files left out, they change no export). */
export async function exportToolVersion(repoRoot: string): Promise<string> {
  const files: string[] = [];
  for (const input of EXPORT_TOOL_INPUTS) await collect(path.join(repoRoot, input), files);
  const hash = createHash('sha256');
  for (const file of files.sort()) {
    hash.update(path.relative(repoRoot, file)).update('\0');
    hash.update(await fs.readFile(file)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

async function collect(target: string, into: string[]) {
  const stat = await fs.stat(target).catch(() => undefined);
  if (!stat) return;
  if (stat.isFile()) {
    if (!target.endsWith('.test.ts')) into.push(target);
    return;
  }
  for (const entry of await fs.readdir(target)) await collect(path.join(target, entry), into);
}

/**
 * The cache folder name of one build: the exact package (name@version and
 * pinned integrity), how it is built (exported, or used as published) and
 * the export tool's version. Packages used as published do not depend on the
 * export tool.
 */
export function cacheKey(input: { spec: string; integrity?: string; mode: 'export' | 'unchanged'; toolVersion: string }): string {
  const parts = [input.mode, input.spec, input.integrity ?? '', input.mode === 'export' ? input.toolVersion : ''];
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 20);
}

/** What a finished build of one entry left in its cache folder (`result.json`). */
export interface CachedBuild {
  spec: string;
  name: string;
  version: string;
  role: string;
  /** The plugin package folder, relative to the cache folder. */
  folder: string;
  bytes: number;
  /** How long the export (or download) took when it ran. */
  buildMs: number;
  /** `devportal.compatibility` of an export; `backstage.supported-versions`-like metadata of an unchanged package. */
  compatibility?: Record<string, unknown>;
  builtAt: string;
}

export async function readCached(dir: string): Promise<CachedBuild | undefined> {
  try {
    const result = JSON.parse(await fs.readFile(path.join(dir, 'result.json'), 'utf8')) as CachedBuild;
    // A folder removed by hand makes the entry cold again.
    await fs.access(path.join(dir, result.folder));
    return result;
  } catch {
    return undefined;
  }
}

/** Written last, so an interrupted build leaves no result and runs again. */
export async function writeCached(dir: string, result: CachedBuild) {
  await fs.writeFile(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
}

/** A build that failed (`failure.json`): what the table shows until --retry-failed. */
export interface CachedFailure {
  spec: string;
  error: string;
  failedAt: string;
}

export async function readFailure(dir: string): Promise<CachedFailure | undefined> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, 'failure.json'), 'utf8')) as CachedFailure;
  } catch {
    return undefined;
  }
}

export async function writeFailure(dir: string, failure: CachedFailure) {
  await fs.writeFile(path.join(dir, 'failure.json'), `${JSON.stringify(failure, null, 2)}\n`);
}
