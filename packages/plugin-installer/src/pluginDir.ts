import path from 'node:path';
import { InstallError } from './errors';

/**
 * Whether `name` may be a plugin folder directly inside the plugins root:
 * one path segment (no `/`, `\` or NUL), not `.` or `..`, not starting with
 * `.` (those names are the installer's own: lock, journal, staging), at most
 * 255 characters, and, joined to `root`, still directly inside it. Every
 * folder name the installer writes or removes in the root passes this
 * check, wherever it came from (a registry manifest, an archive, the journal).
 */
export function isSafePluginDir(name: unknown, root = '/plugins-root'): name is string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 255) return false;
  if (name.startsWith('.') || /[/\\\0]/.test(name)) return false;
  const resolved = path.resolve(root, name);
  return path.dirname(resolved) === path.resolve(root) && path.basename(resolved) === name;
}

/** Throws `UNSAFE_PLUGIN_DIR` naming `subject` unless `isSafePluginDir(name, root)`. */
export function requireSafePluginDir(name: unknown, subject: string, root?: string): string {
  if (!isSafePluginDir(name, root)) {
    const shown = JSON.stringify(String(name).slice(0, 200));
    throw new InstallError(`${subject}: refusing the plugin folder name ${shown} (it must be one path segment inside the plugins root)`, 'UNSAFE_PLUGIN_DIR');
  }
  return name;
}
