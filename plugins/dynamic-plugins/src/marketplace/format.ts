/** Display helpers shared by the views; the API sends raw values. */

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

export function formatMs(ms: number | undefined): string {
  return ms === undefined ? '—' : `${Math.round(ms)} ms`;
}

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'unknown';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** `user:default/jane` → `jane`; anything else as it is. */
export function formatUser(ref: string | undefined): string {
  if (!ref) return '—';
  const match = /^user:(?:default\/)?(.+)$/.exec(ref);
  return match ? match[1] : ref;
}

/**
 * What pins a version: the npm integrity, or the digest of an OCI reference
 * (`oci://host/name@sha256:…`). Undefined when nothing is pinned yet (the
 * backend then fetches the integrity when the change is staged).
 */
export function pinOf(pkg: string, integrity: string | undefined): string | undefined {
  if (integrity) return integrity;
  const digest = /@(sha256:[0-9a-f]{64})/.exec(pkg);
  return digest?.[1];
}
