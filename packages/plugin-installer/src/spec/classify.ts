import npa from 'npm-package-arg';
import type { SourceKind } from '@devportal/plugin-dynamic-plugins-common';
import { InstallError } from '../errors';
import { INHERIT_TAG, OCI_PREFIX, parseOciReference, type OciReference } from '../oci/reference';

/*
 * The one place that reads a `package:` string. Everything else (plugin keys
 * across config layers, which source fetches it, whether it needs an
 * integrity, whether it can be re-checked offline) asks the classified spec.
 *
 * npm forms are parsed by `npm-package-arg`, as npm and pacote parse them;
 * `oci://` by our reference parser. A spec that is neither is `invalid`: it
 * still has a key (so layering and `disabled: true` work on it, as in RHDH),
 * and its error is raised when the plugin is fetched, as one failed plugin.
 */

/** What an npm registry spec selects. `inherit` is `{{inherit}}`, replaced by config layering. */
export type VersionSelector =
  | { type: 'version'; value: string }
  | { type: 'range'; value: string }
  | { type: 'tag'; value: string }
  | { type: 'inherit' };

interface SpecBase {
  /** The `package:` string, trimmed. */
  spec: string;
  /** Identity across config layers (RHDH's rule): the spec without its version. */
  key: string;
}

/** A folder on this machine (`./dynamic-plugins/dist/x`, `../x`, `/abs/path`), relative to the config's folder. */
export interface LocalDirectorySpec extends SpecBase {
  type: 'local-directory';
  source: 'local';
  path: string;
}

/** A tarball on this machine (`./x.tgz`): fetched by pacote, trusted like a local folder. */
export interface LocalTarballSpec extends SpecBase {
  type: 'local-tarball';
  source: 'npm';
  path: string;
}

/** `name`, `@scope/name@1.2.3`, `name@^1`, `name@latest`, `alias@npm:name@1`. */
export interface RegistrySpec extends SpecBase {
  type: 'registry';
  source: 'npm';
  /** The package fetched (for an alias, the real package). */
  name: string;
  selector: VersionSelector;
  /** `alias` of `alias@npm:name@…`. */
  alias?: string;
}

/** `https://host/x.tgz`. */
export interface RemoteTarballSpec extends SpecBase {
  type: 'remote-tarball';
  source: 'npm';
  url: string;
}

/**
 * What pacote resolves against the config's folder but is not a `./` path:
 * `file:` specs, bare tarball names (`x-1.0.0.tgz`), `~/` paths. Remote as
 * far as integrity goes (as before the classifier existed): they need one.
 */
export interface FileSpec extends SpecBase {
  type: 'file';
  source: 'npm';
}

/** `github:user/repo#ref`, `git+https://…#ref`, `user/repo`. */
export interface GitSpec extends SpecBase {
  type: 'git';
  source: 'npm';
}

/** `oci://host[:port]/repo(:tag|@digest)[!plugin-dir]`; without `!`, the image's annotation names the plugin. */
export interface OciSpec extends SpecBase {
  type: 'oci';
  source: 'oci';
  reference: OciReference;
}

/** Anything else; `error` says why, and is raised when the plugin is fetched. */
export interface InvalidSpec extends SpecBase {
  type: 'invalid';
  source?: undefined;
  error: InstallError;
}

export type PluginSpec =
  | LocalDirectorySpec
  | LocalTarballSpec
  | RegistrySpec
  | RemoteTarballSpec
  | FileSpec
  | GitSpec
  | OciSpec
  | InvalidSpec;

export type ValidSpec = Exclude<PluginSpec, InvalidSpec>;

/** The specs a source kind fetches. */
export type SpecFor<K extends SourceKind> = Extract<ValidSpec, { source: K }>;

const TARBALL = /\.(tgz|tar\.gz)$/;
const INHERIT_SUFFIX = `@${INHERIT_TAG}`;

/** Reads a `package:` string: its kind, its key across config layers and what its source needs. */
export function classifySpec(input: string): PluginSpec {
  const spec = String(input).trim();
  if (spec.startsWith(OCI_PREFIX)) return classifyOci(spec);
  if (isLocalPath(spec)) {
    return TARBALL.test(spec)
      ? { type: 'local-tarball', source: 'npm', spec, key: spec, path: spec }
      : { type: 'local-directory', source: 'local', spec, key: spec, path: spec };
  }
  if (spec === '') return invalid(spec, spec, 'the package is empty');
  if (spec.endsWith(INHERIT_SUFFIX)) return classifyInherited(spec);

  let parsed: npa.Result;
  try {
    // The folder only matters for file forms, whose resolution is pacote's
    // (against the config's folder); a fixed one keeps this free of the cwd.
    parsed = npa(spec, '/');
  } catch (error) {
    return invalid(spec, npmName(spec), (error as Error).message.split('\n')[0]);
  }
  // URLs and tarball names are their own identity, whatever they point at.
  const asWritten = /^(https?|file):/.test(spec) || TARBALL.test(spec);
  switch (parsed.type) {
    case 'version':
    case 'range':
    case 'tag':
      return registrySpec(spec, parsed.name!, selectorOf(parsed));
    case 'alias': {
      const sub = (parsed as npa.AliasResult).subSpec;
      if (sub.type !== 'version' && sub.type !== 'range' && sub.type !== 'tag') {
        return invalid(spec, spec, `an alias must point at an npm registry package (npm:name@version)`);
      }
      return { ...registrySpec(spec, sub.name!, selectorOf(sub)), key: `${parsed.name}@npm:${sub.name}`, alias: parsed.name! };
    }
    case 'remote':
      return { type: 'remote-tarball', source: 'npm', spec, key: spec, url: parsed.fetchSpec! };
    case 'git':
      return { type: 'git', source: 'npm', spec, key: asWritten ? spec : spec.split('#')[0] };
    case 'file':
    case 'directory':
      return { type: 'file', source: 'npm', spec, key: spec };
    default:
      return invalid(spec, spec, `unsupported kind of package '${parsed.type}'`);
  }
}

/**
 * Whether a spec names something on this machine (`./`, `../`, `/`): trusted
 * like the portal's own files, so no integrity is asked of it.
 */
export function isOnThisMachine(spec: PluginSpec): spec is LocalDirectorySpec | LocalTarballSpec {
  return spec.type === 'local-directory' || spec.type === 'local-tarball';
}

/** An npm spec whose content cannot change: an exact version from a registry. */
export function isExactVersion(spec: PluginSpec): boolean {
  return spec.type === 'registry' && spec.selector.type === 'version';
}

/** Whether the version (npm) or tag (OCI) is `{{inherit}}`: to be taken from a lower config layer. */
export function inheritsVersion(spec: PluginSpec): boolean {
  if (spec.type === 'registry') return spec.selector.type === 'inherit';
  if (spec.type === 'oci') return spec.reference.tag === INHERIT_TAG;
  // A spec we cannot read (e.g. `{{inherit}}` with a digest): as before, the
  // text decides, so a missing lower layer is reported as such.
  return spec.type === 'invalid' && spec.spec.includes(INHERIT_TAG);
}

/** The spec's validity as a thrown error: what a source does with an `invalid` spec. */
export function requireValid(spec: PluginSpec): ValidSpec {
  if (spec.type === 'invalid') throw spec.error;
  return spec;
}

function isLocalPath(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec.startsWith('/') || spec === '.';
}

function registrySpec(spec: string, name: string, selector: VersionSelector): RegistrySpec {
  return { type: 'registry', source: 'npm', spec, key: name, name, selector };
}

function selectorOf(parsed: npa.Result): VersionSelector {
  return { type: parsed.type as 'version' | 'range' | 'tag', value: parsed.fetchSpec ?? '*' };
}

/** `name@{{inherit}}`: a registry spec whose version comes from a lower config layer. */
function classifyInherited(spec: string): PluginSpec {
  const base = classifySpec(spec.slice(0, -INHERIT_SUFFIX.length));
  if (base.type !== 'registry' || base.alias) {
    return invalid(spec, base.key, `${INHERIT_TAG} can only stand for the version of an npm package or an OCI image`);
  }
  const inherited: RegistrySpec = { ...base, spec, selector: { type: 'inherit' } };
  return inherited;
}

function classifyOci(spec: string): PluginSpec {
  const key = ociKey(spec);
  try {
    return { type: 'oci', source: 'oci', spec, key, reference: parseOciReference(spec) };
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    // The reference parser's own message (it names the reference, redacted).
    return { type: 'invalid', spec, key, error };
  }
}

/**
 * `oci://host/repo!dir` for any tag or digest. Computed from the text, not
 * the parsed reference, so that a malformed reference still layers (and is
 * refused when fetched, as one failed plugin).
 */
function ociKey(spec: string): string {
  const [image, pluginDir = ''] = spec.slice(OCI_PREFIX.length).split('!');
  const withoutDigest = image.split('@')[0];
  const lastSlash = withoutDigest.lastIndexOf('/');
  const tagColon = withoutDigest.indexOf(':', lastSlash + 1);
  const repository = tagColon >= 0 ? withoutDigest.slice(0, tagColon) : withoutDigest;
  return `${OCI_PREFIX}${repository}!${pluginDir}`;
}

/** A key for a spec npm cannot parse: the text before a version `@`. */
function npmName(spec: string): string {
  const versionAt = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  return versionAt > 0 ? spec.slice(0, versionAt) : spec;
}

function invalid(spec: string, key: string, reason: string): InvalidSpec {
  const error = new InstallError(
    `${spec || "''"}: not a plugin package (${reason}); expected an npm package (name, name@version, @scope/name@range), ` +
      'a local folder (./path), a tarball URL (https://…/x.tgz) or an OCI image (oci://host/repo:tag!plugin)',
    'INVALID_PACKAGE_SPEC',
  );
  return { type: 'invalid', spec, key, error };
}
