import { InstallError } from '../errors';
import { isSafePluginDir } from '../pluginDir';

/**
 * A parsed `oci://host[:port]/path(:tag | @digest)[!plugin-dir]` reference.
 */
export interface OciReference {
  /** `host[:port]` as written, e.g. `quay.io` or `127.0.0.1:5000`. */
  registry: string;
  /** The repository path inside the registry, e.g. `rhdh/backstage-plugin-foo`. */
  repository: string;
  /** The tag; `'{{inherit}}'` when the config layer has to resolve it. */
  tag?: string;
  /** `<algorithm>:<hex>`; wins over the tag when both are given. */
  digest?: string;
  /** The `!plugin-dir`: one folder name, checked to be a safe path segment. */
  pluginPath?: string;
}

export const OCI_PREFIX = 'oci://';
/** The tag that takes the tag/digest of the same image from an included file. */
export const INHERIT_TAG = '{{inherit}}';

const HOST_RE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/;
const REPOSITORY_COMPONENT_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
export const DIGEST_RE = /^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128}|blake3:[a-f0-9]{64})$/;
const PLUGIN_DIR_RE = /^[A-Za-z0-9_@+][A-Za-z0-9._@+-]*$/;

/** Whether `value` is a well-formed digest (sha256, sha512 or blake3). */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_RE.test(value);
}

/** Whether `value` starts with `oci://`. */
export function isOciReference(value: string): boolean {
  return value.startsWith(OCI_PREFIX);
}

/**
 * Whether `name` can be the plugin folder of an image (`!<plugin-dir>` or
 * the annotation): a safe folder in the plugins root (`isSafePluginDir`,
 * the one check every plugin folder passes), and, stricter, only letters,
 * digits and `._@+-`, no control or shell-special characters.
 */
export function isSafeOciPluginDir(name: string): boolean {
  return isSafePluginDir(name) && PLUGIN_DIR_RE.test(name);
}

/** Parses an `oci://` reference, or throws `InstallError` `INVALID_OCI_REFERENCE`. */
export function parseOciReference(reference: string): OciReference {
  const fail = (reason: string): never => {
    throw new InstallError(
      `Invalid OCI reference '${redactReference(reference)}': ${reason}`,
      'INVALID_OCI_REFERENCE',
    );
  };
  if (typeof reference !== 'string' || !reference.startsWith(OCI_PREFIX)) {
    return fail(`it must start with ${OCI_PREFIX}`);
  }
  if (/[\s\u0000-\u001f\u007f]/.test(reference)) fail('it contains whitespace or control characters');

  let image = reference.slice(OCI_PREFIX.length);
  let pluginPath: string | undefined;
  const bang = image.indexOf('!');
  if (bang >= 0) {
    pluginPath = image.slice(bang + 1);
    image = image.slice(0, bang);
    if (!isSafeOciPluginDir(pluginPath)) {
      fail(
        `the plugin path '!${pluginPath}' must be a single folder name ` +
          '(letters, digits, . _ @ + -; no /, \\, .. or leading .)',
      );
    }
  }

  const slash = image.indexOf('/');
  if (slash <= 0) fail('expected oci://host[:port]/repository:tag');
  const registry = image.slice(0, slash);
  if (!HOST_RE.test(registry)) fail(`'${registry.includes('@') ? '***' : registry}' is not a valid registry host`);
  let rest = image.slice(slash + 1);

  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_RE.test(digest)) {
      fail(`'@${digest}' is not a digest (expected sha256:<64 hex>, sha512:<128 hex> or blake3:<64 hex>)`);
    }
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag !== INHERIT_TAG && !TAG_RE.test(tag)) {
      fail(tag === '' ? 'the tag after : is empty' : `'${tag}' is not a valid tag`);
    }
  }
  const repository = rest;
  if (!repository || !repository.split('/').every(c => REPOSITORY_COMPONENT_RE.test(c))) {
    fail(`'${repository}' is not a valid repository (lowercase letters, digits, separators . _ __ -, components joined by /)`);
  }
  if (tag === undefined && digest === undefined) fail('it needs a :tag or an @sha256:<digest>');
  if (tag === INHERIT_TAG && digest !== undefined) fail(`${INHERIT_TAG} cannot be combined with a digest`);

  const parsed: OciReference = { registry, repository };
  if (tag !== undefined) parsed.tag = tag;
  if (digest !== undefined) parsed.digest = digest;
  if (pluginPath !== undefined) parsed.pluginPath = pluginPath;
  return parsed;
}

/** `registry/repository`, without tag, digest or plugin path: the image across config layers. */
export function imageKey(ref: OciReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Formats a reference back to `oci://…` (digest wins over the tag when both are set). */
export function formatOciReference(ref: OciReference, options: { withPluginPath?: boolean } = {}): string {
  let out = `${OCI_PREFIX}${imageKey(ref)}`;
  if (ref.digest) out += `@${ref.digest}`;
  else if (ref.tag !== undefined) out += `:${ref.tag}`;
  if (ref.pluginPath && options.withPluginPath !== false) out += `!${ref.pluginPath}`;
  return out;
}

/** The reference for messages: `user:pass@` in front of the host replaced, long input cut. */
function redactReference(reference: string): string {
  let out = String(reference).replace(/^(oci:\/\/)[^/]*@/, '$1***@');
  if (out.length > 300) out = `${out.slice(0, 300)}…`;
  return out;
}
