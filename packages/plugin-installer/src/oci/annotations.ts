import { InstallError } from '../errors';
import { formatOciReference, isSafeOciPluginDir, type OciReference } from './reference';

/** The image manifest annotation listing the plugin folders of an RHDH plugin image. */
export const DYNAMIC_PACKAGES_ANNOTATION = 'io.backstage.dynamic-packages';

/** One plugin listed by `io.backstage.dynamic-packages`. */
export interface ImagePlugin {
  /** The top-level folder of the layer holding the plugin package. */
  path: string;
  /** The package.json fields the image lists for it (name, version, backstage, …). */
  packageInfo: Record<string, unknown>;
}

function invalid(reason: string): never {
  throw new InstallError(`Invalid ${DYNAMIC_PACKAGES_ANNOTATION} annotation: ${reason}`, 'INVALID_OCI_IMAGE');
}

/**
 * Decodes `io.backstage.dynamic-packages` (base64 of a JSON list of
 * `{ "<plugin-dir>": { …package.json fields… } }`). Returns `undefined` when
 * the annotation is absent; throws `InstallError` `INVALID_OCI_IMAGE` when it
 * cannot be decoded. Paths are returned as listed: check them with
 * `isSafeOciPluginDir` before use (`choosePluginPath` does).
 */
export function decodeDynamicPackages(annotations: Record<string, string> | undefined): ImagePlugin[] | undefined {
  const value = annotations?.[DYNAMIC_PACKAGES_ANNOTATION];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/=_\s-]*$/.test(value)) invalid('not base64');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return invalid('not base64 of JSON');
  }
  if (!Array.isArray(parsed)) invalid('expected a JSON list');
  const plugins: ImagePlugin[] = [];
  for (const item of parsed as unknown[]) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) invalid('each list item must be an object');
    for (const [path, info] of Object.entries(item as Record<string, unknown>)) {
      plugins.push({
        path,
        packageInfo: info && typeof info === 'object' && !Array.isArray(info) ? (info as Record<string, unknown>) : {},
      });
    }
  }
  return plugins;
}

/** Encodes the annotation value for `pushImage` (same format RHDH's tooling writes). */
export function encodeDynamicPackages(plugins: Array<ImagePlugin | { path: string; packageInfo?: Record<string, unknown> }>): string {
  const list = plugins.map(p => ({ [p.path]: p.packageInfo ?? {} }));
  return Buffer.from(JSON.stringify(list), 'utf8').toString('base64');
}

function quoteList(paths: string[]): string {
  return paths.map(p => JSON.stringify(p.length > 100 ? `${p.slice(0, 100)}…` : p)).join(', ');
}

/**
 * The plugin folder to install from an image. With `!dir` in the reference
 * that folder (which must be listed when the image has the annotation);
 * without, the annotation must list exactly one plugin, else
 * `AMBIGUOUS_OCI_IMAGE` naming the choices. A listed folder that is not a
 * safe single path segment is refused (`INVALID_OCI_IMAGE`).
 */
export function choosePluginPath(ref: OciReference, annotations: Record<string, string> | undefined): string {
  const image = formatOciReference(ref, { withPluginPath: false });
  const listed = decodeDynamicPackages(annotations);
  const paths = listed?.map(p => p.path);
  if (ref.pluginPath) {
    if (!isSafeOciPluginDir(ref.pluginPath)) {
      throw new InstallError(`Invalid OCI reference '${image}': unsafe plugin path`, 'INVALID_OCI_REFERENCE');
    }
    if (paths && !paths.includes(ref.pluginPath)) {
      throw new InstallError(
        `Image ${image} has no plugin '${ref.pluginPath}'; it lists ${paths.length ? quoteList(paths) : 'none'}`,
        'OCI_PLUGIN_NOT_IN_IMAGE',
      );
    }
    return ref.pluginPath;
  }
  if (!paths) {
    throw new InstallError(
      `Image ${image} has no ${DYNAMIC_PACKAGES_ANNOTATION} annotation: name the plugin folder with ${image}!<plugin-dir>`,
      'AMBIGUOUS_OCI_IMAGE',
    );
  }
  if (paths.length !== 1) {
    throw new InstallError(
      paths.length === 0
        ? `Image ${image} lists no plugins in its ${DYNAMIC_PACKAGES_ANNOTATION} annotation`
        : `Image ${image} holds ${paths.length} plugins (${quoteList(paths)}): choose one with ${image}!<plugin-dir>`,
      'AMBIGUOUS_OCI_IMAGE',
    );
  }
  const only = paths[0];
  if (!isSafeOciPluginDir(only)) {
    throw new InstallError(`Image ${image} lists an unsafe plugin folder ${quoteList([only])}`, 'INVALID_OCI_IMAGE');
  }
  return only;
}
