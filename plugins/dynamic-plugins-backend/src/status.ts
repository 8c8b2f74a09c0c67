/** What happened to one dynamic plugin package at start. */
export interface DynamicPluginStatus {
  package: string;
  version: string;
  /** Where the installer got it. */
  source: 'bundled' | 'npm' | 'oci' | 'unknown';
  /** backend-plugin, backend-plugin-module, frontend-plugin, ... */
  kind: string;
  state: 'loaded' | 'disabled' | 'incompatible' | 'failed' | 'skipped';
  /** Why it is not loaded, for incompatible, failed and skipped. */
  reason?: string;
  /** How long its init took, in milliseconds. */
  initMs?: number;
  folder?: string;
}

/** The status of every dynamic plugin, filled while the backend starts. */
export class DynamicPluginStatusStore {
  private readonly entries = new Map<string, DynamicPluginStatus>();

  set(status: DynamicPluginStatus) {
    this.entries.set(status.package, status);
  }

  update(pkg: string, change: Partial<DynamicPluginStatus>) {
    const current = this.entries.get(pkg);
    if (current) this.entries.set(pkg, { ...current, ...change });
  }

  list(): DynamicPluginStatus[] {
    return [...this.entries.values()].sort((a, b) => a.package.localeCompare(b.package));
  }
}
