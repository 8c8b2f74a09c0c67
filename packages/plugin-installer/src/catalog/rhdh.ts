import fs from 'node:fs/promises';
import path from 'node:path';
import type { Document, Node } from 'yaml';
import type { CatalogKind, CatalogVersion } from '@devportal/plugin-dynamic-plugins-common';
import { readRegularFile } from '../files';
import { parseOciReference } from '../oci/reference';
import { environmentOf, ICON_RE, INTEGRITY_RE } from './entry';
import { errorLine } from './local';
import { MAX_ENTRIES_PER_SOURCE, type CatalogReadResult, type ReadCatalogEntry } from './types';
import { CatalogFileError, decodeUtf8, MapReader, parseCatalogYaml, toData, type ParsedYaml } from './yaml';

/**
 * RHDH's Extensions catalog entities, as a catalog index image ships them
 * under `catalog-entities/extensions/` (verified against
 * redhat-developer/rhdh-plugin-export-overlays: scripts/generateCatalogIndex.py
 * and workspaces/*\/metadata/*.yaml; docs/plugins/catalog-format.md names the
 * commit):
 *
 * - `plugins/*.yaml`: `kind: Plugin` — what the user sees (title,
 *   description, categories, icon, highlights) and `spec.packages`;
 * - `packages/*.yaml`: `kind: Package` — one installable package
 *   (`spec.packageName`, `version`, `dynamicArtifact`, `backstage.role`,
 *   `backstage.supportedVersions`, `appConfigExamples`, `partOf`).
 *
 * Each Package becomes one CatalogEntry, titled and categorised from its
 * Plugin. Other kinds (`Location` in all.yaml, `PluginCollection`) are
 * skipped. Unknown keys are ignored: the format is RHDH's and grows.
 */
export const API_PREFIX = 'extensions.backstage.io/';

export const ROLE_KINDS: Record<string, CatalogKind> = {
  'frontend-plugin': 'frontend',
  'frontend-plugin-module': 'frontend',
  'backend-plugin': 'backend',
  'backend-plugin-module': 'module',
};

interface PluginEntity {
  key: string;
  title?: string;
  description?: string;
  markdown?: string;
  highlights?: string[];
  categories?: string[];
  icon?: string;
  packages: string[];
}

interface PackageEntity {
  key: string;
  id: string;
  title?: string;
  description?: string;
  packageName: string;
  kind: CatalogKind;
  version: CatalogVersion;
  source: 'npm' | 'oci';
  needsExport: boolean;
  partOf: string[];
  defaultConfig?: Record<string, unknown>;
}

/** `package:rhdh/name`, `rhdh/name` or `name` → `rhdh/name`. */
function refKey(ref: string, namespace: string): string {
  const bare = ref.replace(/^[a-z]+:/i, '');
  return bare.includes('/') ? bare : `${namespace}/${bare}`;
}

/** Reads an extracted `catalog-entities/extensions` folder; `label` is how files are named in errors. */
export async function readRhdhEntities(dir: string, options: { origin: string; label: string; maxBytes: number }): Promise<CatalogReadResult> {
  const errors: string[] = [];
  const plugins = new Map<string, PluginEntity>();
  const packages: PackageEntity[] = [];
  for (const folder of ['plugins', 'packages']) {
    const names = await fs.readdir(path.join(dir, folder)).catch(() => [] as string[]);
    for (const name of names.filter(n => /\.ya?ml$/.test(n)).sort()) {
      const shown = `${options.label}/${folder}/${name}`;
      try {
        const text = decodeUtf8(await readRegularFile(path.join(dir, folder, name), options.maxBytes, 'the catalog file size limit'), shown);
        const yaml = parseCatalogYaml(text, shown);
        for (const doc of yaml.documents) {
          try {
            const entity = readEntity(yaml, doc);
            if (entity?.type === 'plugin') plugins.set(entity.value.key, entity.value);
            if (entity?.type === 'package') packages.push(entity.value);
          } catch (error) {
            errors.push(errorLine(shown, error));
          }
        }
      } catch (error) {
        errors.push(errorLine(shown, error));
      }
      if (packages.length > MAX_ENTRIES_PER_SOURCE) {
        errors.push(`${options.label}: more than ${MAX_ENTRIES_PER_SOURCE} packages; the rest are not read`);
        break;
      }
    }
  }
  return { entries: toEntries(plugins, packages, options.origin), errors };
}

type Entity = { type: 'plugin'; value: PluginEntity } | { type: 'package'; value: PackageEntity } | undefined;

function readEntity(yaml: ParsedYaml, doc: Document): Entity {
  if (doc.contents === null) return undefined;
  const root = MapReader.of(yaml, doc, doc.contents, '', 'a catalog entity');
  const kind = root.value('kind');
  if (kind !== 'Plugin' && kind !== 'Package') return undefined;
  const apiVersion = root.string('apiVersion', { required: true });
  if (!apiVersion!.startsWith(API_PREFIX)) root.fail('apiVersion', `must be ${API_PREFIX}… for kind ${kind}`);
  const metadata = root.map('metadata') ?? root.fail('metadata', 'is required');
  const name = metadata.string('name', { required: true, max: 253 })!;
  const namespace = metadata.string('namespace', { max: 63 }) ?? 'default';
  const key = `${namespace}/${name}`;
  const spec = root.map('spec') ?? root.fail('spec', 'is required');
  const title = metadata.string('title', { max: 200 });
  const description = metadata.string('description', { max: 5000 })?.trim();
  if (kind === 'Plugin') {
    const icon = spec.string('icon', { max: 200_000 })?.replace(/\s+/g, '');
    return {
      type: 'plugin',
      value: {
        key,
        title,
        description,
        markdown: spec.string('description', { max: 200_000 }),
        highlights: spec.strings('highlights', { max: 500 }),
        categories: spec.strings('categories', { max: 60 }),
        // RHDH writes data: URLs folded over lines; an unusable icon is left out, not an error.
        icon: icon && ICON_RE.test(icon) ? icon : undefined,
        packages: packageRefs(spec).map(ref => refKey(ref, namespace)),
      },
    };
  }
  return { type: 'package', value: readPackage(yaml, doc, spec, { key, name, namespace, title, description }) };
}

function readPackage(
  yaml: ParsedYaml,
  doc: Document,
  spec: MapReader,
  meta: { key: string; name: string; namespace: string; title?: string; description?: string },
): PackageEntity {
  const packageName = spec.string('packageName', { required: true, max: 214 })!;
  const backstage = spec.map('backstage');
  // Older entities put role and supportedVersions directly under spec.
  const roleReader = backstage?.valueNode('role') ? backstage : spec;
  const role = roleReader.string('role', { max: 40 });
  if (!role) (backstage ?? spec).fail(backstage ? 'role' : 'backstage', 'is required: the backstage role (frontend-plugin, backend-plugin, backend-plugin-module…)');
  const kind = ROLE_KINDS[role!] ?? roleReader.fail('role', `'${role}' is not a plugin role (${Object.keys(ROLE_KINDS).join(', ')})`);
  const supported = backstage?.valueNode('supportedVersions') ? backstage : spec;
  const backstageVersion = stringish(supported, 'supportedVersions');

  const artifact = spec.string('dynamicArtifact', { max: 1000 })?.trim() || undefined;
  let version = stringish(spec, 'version');
  // Tags follow `bs_<backstage>__<version>` (ghcr) or `<rhdh>--<version>` (quay).
  version ??= artifact?.match(/:(?:bs_[^_!@]+__|[0-9.]+--)([^!@]+)(?:[!@]|$)/)?.[1];
  if (!version) spec.fail('version', 'is required (the package version)');

  let source: 'npm' | 'oci' = 'npm';
  let pkg = `${packageName}@${version}`;
  let needsExport = false;
  if (!artifact) {
    // No dynamic artifact: the package as published upstream, to be exported first.
    needsExport = true;
  } else if (artifact.startsWith('oci://')) {
    try {
      parseOciReference(artifact);
    } catch (error) {
      spec.fail('dynamicArtifact', (error as Error).message);
    }
    source = 'oci';
    pkg = artifact;
  } else if (artifact.startsWith('./') || artifact.startsWith('/') || artifact.startsWith('../')) {
    spec.fail('dynamicArtifact', `${artifact} is a folder inside RHDH's own image; this portal has no copy of it, so the package is not offered`);
  } else {
    pkg = artifact;
  }
  const catalogVersion: CatalogVersion = { version: version!, package: pkg };
  const integrity = spec.string('integrity', { max: 200 });
  if (integrity && source === 'npm') {
    if (!INTEGRITY_RE.test(integrity)) spec.fail('integrity', 'must be sha512-<base64> (or sha384-, sha256-)');
    catalogVersion.integrity = integrity;
  }
  if (backstageVersion) catalogVersion.backstageVersion = backstageVersion;

  return {
    key: meta.key,
    id: meta.name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 100) || 'package',
    title: meta.title,
    description: meta.description,
    packageName,
    kind,
    version: catalogVersion,
    source,
    needsExport,
    partOf: (spec.strings('partOf', { max: 253 }) ?? []).map(ref => refKey(ref, meta.namespace)),
    defaultConfig: defaultConfigOf(yaml, doc, spec),
  };
}

/** `spec.packages` items are names, or `{ name }` mappings in some RHDH entities (github-actions.yaml). */
function packageRefs(spec: MapReader): string[] {
  const value = spec.value('packages');
  if (value === undefined) return [];
  const refs = Array.isArray(value) ? value.map(item => (item && typeof item === 'object' ? (item as { name?: unknown }).name : item)) : undefined;
  if (!refs || refs.some(ref => typeof ref !== 'string' || ref === '' || ref.length > 253)) {
    spec.fail('packages', 'must be a list of package entity names');
  }
  return refs as string[];
}

/** YAML reads `1.52` and `1.0` as numbers; versions are strings. */
function stringish(reader: MapReader, key: string): string | undefined {
  const value = reader.value(key);
  if (value === undefined) return undefined;
  if (typeof value === 'number') return String(value);
  return reader.string(key, { max: 100 });
}

/** RHDH's default pluginConfig is the first `appConfigExamples` content (as dynamic-plugins.default.yaml is built). */
function defaultConfigOf(yaml: ParsedYaml, doc: Document, spec: MapReader): Record<string, unknown> | undefined {
  const examples = spec.list('appConfigExamples');
  if (!examples || examples.length === 0) return undefined;
  const first = MapReader.of(yaml, doc, examples[0], `${spec.path}.appConfigExamples[0]`, 'title and content');
  const node = first.valueNode('content');
  if (!node) return undefined;
  let content = toData(yaml, doc, node, first.keyPath('content'));
  if (typeof content === 'string') {
    // Content as a YAML string: parsed within the same limits, lines counted from the string.
    const inner = parseCatalogYaml(content, `${yaml.file}:${yaml.line(node)} ${first.keyPath('content')}`);
    content = inner.documents[0] ? toData(inner, inner.documents[0], inner.documents[0].contents as Node, '') : undefined;
  }
  if (content === undefined || content === null) return undefined;
  if (typeof content !== 'object' || Array.isArray(content)) first.fail('content', 'must be a mapping of app-config');
  return content as Record<string, unknown>;
}

function toEntries(plugins: Map<string, PluginEntity>, packages: PackageEntity[], origin: string): ReadCatalogEntry[] {
  const pluginOf = new Map<string, PluginEntity>();
  for (const plugin of plugins.values()) for (const key of plugin.packages) if (!pluginOf.has(key)) pluginOf.set(key, plugin);
  for (const pkg of packages) {
    const named = pkg.partOf.map(key => plugins.get(key)).find(Boolean);
    if (named) pluginOf.set(pkg.key, named);
  }
  const idOf = new Map(packages.map(p => [p.key, p.id]));
  return packages.map(pkg => {
    const plugin = pluginOf.get(pkg.key);
    const siblings = plugin ? packages.filter(p => p !== pkg && pluginOf.get(p.key) === plugin) : [];
    const packageTitle = pkg.title ?? pkg.packageName;
    const entry: ReadCatalogEntry = {
      id: pkg.id,
      // A plugin of several packages (frontend + backend) names each one.
      title: plugin?.title ? (siblings.length > 0 ? `${plugin.title}: ${packageTitle}` : plugin.title) : packageTitle,
      description: plugin?.description ?? pkg.description ?? '',
      name: pkg.packageName,
      kind: pkg.kind,
      source: pkg.source,
      category: plugin?.categories?.[0] ?? 'Other',
      versions: [pkg.version],
      origin,
    };
    if (plugin?.icon) entry.icon = plugin.icon;
    const readme = [plugin?.markdown?.trim(), plugin?.highlights?.length ? `## Highlights\n\n${plugin.highlights.map(h => `- ${h}`).join('\n')}` : undefined]
      .filter(Boolean)
      .join('\n\n');
    if (readme) entry.readme = readme;
    if (pkg.defaultConfig) {
      entry.defaultConfig = pkg.defaultConfig;
      const environment = environmentOf(pkg.defaultConfig);
      if (environment.length > 0) entry.environment = environment;
    }
    if (siblings.length > 0) entry.companions = siblings.map(p => idOf.get(p.key)!);
    if (pkg.needsExport) entry.needsExport = true;
    return entry;
  });
}

export { CatalogFileError };
