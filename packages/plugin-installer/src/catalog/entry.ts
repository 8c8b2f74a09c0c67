import fs from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import { isMap, type Document, type Node } from 'yaml';
import { CATALOG_KINDS, type CatalogKind, type CatalogVersion } from '@devportal/plugin-dynamic-plugins-common';
import { readRegularFile } from '../files';
import type { ReadCatalogEntry } from './types';
import { CatalogFileError, MapReader, type ParsedYaml } from './yaml';

/**
 * DevPortal's catalog index format: one mapping per plugin, the fields of
 * `CatalogEntry` written out (docs/plugins/catalog-format.md). Strict on
 * purpose: the index is curated by hand, so an unknown key is a typo to
 * report, not something to skip silently.
 */
const ENTRY_KEYS = new Set([
  'id',
  'title',
  'description',
  'name',
  'kind',
  'source',
  'category',
  'versions',
  'icon',
  'readme',
  'requiredConfig',
  'environment',
  'defaultConfig',
  'companions',
  'needsExport',
  'needs',
  'smoke',
]);
const VERSION_KEYS = new Set(['version', 'package', 'integrity', 'backstageVersion', 'sizeBytes']);
const SOURCES = ['bundled', 'npm', 'oci'] as const;

export const ID_RE = /^[a-z0-9][a-z0-9-]{0,99}$/;
export const INTEGRITY_RE = /^(sha512|sha384|sha256)-[A-Za-z0-9+/]+={0,2}$/;
export const ENV_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED_RE = /^[A-Za-z0-9_$/-]+(\.[A-Za-z0-9_$/-]+)*$/;
/** https: and data:image URLs, or an icon name (Material icons, the app's icons). */
export const ICON_RE = /^(https:\/\/\S+|data:image\/[a-z+.-]+(;[a-z0-9=.+-]+)*(;base64)?,\S+|[A-Za-z][A-Za-z0-9_-]{0,63})$/;
/** A readme file is markdown, read whole: 1 MiB is far more than any README. */
export const MAX_README_BYTES = 1024 * 1024;

export interface EntryContext {
  yaml: ParsedYaml;
  doc: Document;
  /** The entry's `origin`. */
  origin: string;
  /** Where `readme: { file }` is looked up; absent for URL sources (no files next to them). */
  readmeDir?: string;
  maxReadmeBytes?: number;
}

/** Reads one index entry; throws CatalogFileError naming the first bad key. */
export async function readIndexEntry(node: Node, context: EntryContext): Promise<ReadCatalogEntry> {
  const entry = MapReader.of(context.yaml, context.doc, node, '', 'a catalog entry with id, title, name, kind, source, versions…');
  const unknown = entry.keys().find(key => !ENTRY_KEYS.has(key));
  if (unknown !== undefined) entry.fail(unknown, `unknown key (known: ${[...ENTRY_KEYS].join(', ')})`);

  const kind = entry.string('kind', { required: true, max: 20 }) as CatalogKind;
  if (!(CATALOG_KINDS as readonly string[]).includes(kind)) entry.fail('kind', `must be one of ${CATALOG_KINDS.join(', ')}`);
  const source = entry.string('source', { required: true, max: 20 }) as (typeof SOURCES)[number];
  if (!(SOURCES as readonly string[]).includes(source)) entry.fail('source', `must be one of ${SOURCES.join(', ')}`);

  const versionNodes = entry.list('versions');
  if (!versionNodes || versionNodes.length === 0) entry.fail('versions', 'must list at least one version');
  const versions = versionNodes!.map((item, index) => readVersion(context, item, `versions[${index}]`, source));
  const seen = new Set<string>();
  for (const [index, v] of versions.entries()) {
    if (seen.has(v.version)) throw context.yaml.error(versionNodes![index], `versions[${index}].version`, `${v.version} is listed twice`);
    seen.add(v.version);
  }

  const needsExport = entry.value('needsExport');
  if (needsExport !== undefined && typeof needsExport !== 'boolean') entry.fail('needsExport', 'must be true or false');

  const result: ReadCatalogEntry = {
    id: entry.string('id', { required: true, pattern: ID_RE, hint: 'must be lowercase letters, digits and -' })!,
    title: entry.string('title', { required: true })!,
    description: entry.string('description', { required: true, max: 2000 })!,
    name: entry.string('name', { required: true, max: 300 })!,
    kind,
    source,
    category: entry.string('category', { required: true, max: 60 })!,
    versions: sortNewestFirst(versions),
    origin: context.origin,
  };
  const icon = entry.string('icon', { max: 200_000, pattern: ICON_RE, hint: 'must be an https: or data:image URL, or an icon name' });
  if (icon !== undefined) result.icon = icon;
  const readme = await readReadme(entry, context);
  if (readme !== undefined) result.readme = readme;
  const requiredConfig = entry.strings('requiredConfig', { pattern: DOTTED_RE, hint: 'must be a dotted config key' });
  if (requiredConfig) result.requiredConfig = requiredConfig;
  const defaultConfig = entry.record('defaultConfig');
  if (defaultConfig) result.defaultConfig = defaultConfig;
  // Written out, or else the `${VAR}` references of the default config.
  const environment =
    entry.strings('environment', { pattern: ENV_RE, hint: 'must be an environment variable name' }) ?? environmentOf(defaultConfig);
  if (environment.length > 0) result.environment = environment;
  const companions = entry.strings('companions', { pattern: ID_RE, hint: 'must be the id of another entry' });
  if (companions) result.companions = companions;
  if (needsExport === true) result.needsExport = true;
  const needs = entry.string('needs', { max: 500 });
  if (needs !== undefined) result.needs = needs;
  // Only `devportal catalog build` reads it (packages/cli/src/catalog/smoke.ts checks its keys).
  const smoke = entry.record('smoke');
  if (smoke) result.smoke = smoke;
  return result;
}

function readVersion(context: EntryContext, node: Node, path: string, source: string): CatalogVersion {
  const v = MapReader.of(context.yaml, context.doc, node, path, 'version, package, integrity…');
  const unknown = v.keys().find(key => !VERSION_KEYS.has(key));
  if (unknown !== undefined) v.fail(unknown, `unknown key (known: ${[...VERSION_KEYS].join(', ')})`);
  const version = v.string('version', { required: true, max: 100 })!;
  const pkg = v.string('package', { required: true, max: 1000 })!;
  // The package line must be what the entry's source installs, or the
  // Installed view would label it wrongly.
  const actual = pkg.startsWith('oci://') ? 'oci' : pkg.startsWith('./') ? 'bundled' : 'npm';
  if (actual !== source) v.fail('package', `is ${actual === 'npm' ? 'an npm spec' : `a${actual === 'oci' ? 'n oci:// reference' : ' bundled path'}`}, but the entry's source is ${source}`);
  const result: CatalogVersion = { version, package: pkg };
  const integrity = v.string('integrity', { max: 200, pattern: INTEGRITY_RE, hint: 'must be sha512-<base64> (or sha384-, sha256-)' });
  if (integrity !== undefined) result.integrity = integrity;
  const backstageVersion = v.string('backstageVersion', { max: 50 });
  if (backstageVersion !== undefined) result.backstageVersion = backstageVersion;
  const size = v.value('sizeBytes');
  if (size !== undefined) {
    if (!Number.isSafeInteger(size) || (size as number) < 0) v.fail('sizeBytes', 'must be a whole number of bytes');
    result.sizeBytes = size as number;
  }
  return result;
}

/** Newest first, as the contract says; versions that are not semver keep their written order, after the others. */
export function sortNewestFirst(versions: CatalogVersion[]): CatalogVersion[] {
  const valid = versions.filter(v => semver.valid(v.version));
  const other = versions.filter(v => !semver.valid(v.version));
  return [...valid.sort((a, b) => semver.rcompare(a.version, b.version)), ...other];
}

/**
 * `readme:` is markdown, or `{ file: x.md }` next to the entry. The file must
 * stay inside the entry's folder (after symlinks), so a catalog cannot make
 * the backend serve other files it can read.
 */
async function readReadme(entry: MapReader, context: EntryContext): Promise<string | undefined> {
  const node = entry.valueNode('readme');
  if (node === undefined) return undefined;
  if (!isMap(node)) return entry.string('readme', { max: 200_000 });
  const ref = entry.map('readme')!;
  const unknown = ref.keys().find(key => key !== 'file');
  if (unknown !== undefined) ref.fail(unknown, 'unknown key (known: file)');
  const file = ref.string('file', { required: true, max: 300 })!;
  if (!context.readmeDir) ref.fail('file', 'readme files are only read for index folders and local files; write the markdown inline');
  const dir = await fs.realpath(context.readmeDir!).catch(() => context.readmeDir!);
  const target = path.resolve(dir, file);
  const real = await fs.realpath(target).catch((error: NodeJS.ErrnoException) => ref.fail('file', `${file}: cannot read it (${error.code})`));
  const relative = path.relative(dir, real);
  if (path.isAbsolute(file) || relative.startsWith('..') || path.isAbsolute(relative)) {
    ref.fail('file', `${file} is outside the catalog's folder`);
  }
  try {
    return (await readRegularFile(real, context.maxReadmeBytes ?? MAX_README_BYTES, 'readme files')).toString('utf8');
  } catch (error) {
    return ref.fail('file', `${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `${VAR}` references in config values: what the admin must set before the plugin works. */
export function environmentOf(config: unknown): string[] {
  const found = new Set<string>();
  const stack: unknown[] = [config];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      for (const match of value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) found.add(match[1]);
    } else if (value && typeof value === 'object') {
      stack.push(...Object.values(value as Record<string, unknown>));
    }
  }
  return [...found].sort();
}

export { CatalogFileError };
