import type { DynamicPluginStatus, InstallState, TrustResult } from '@devportal/plugin-dynamic-plugins-common';

export type { DynamicPluginStatus };

/** The status of every dynamic plugin in this backend process. */
export class DynamicPluginStatusStore {
  private readonly entries = new Map<string, DynamicPluginStatus>();
  private trustByFolder = new Map<string, TrustResult>();

  /**
   * The installer's trust results (who signed each plugin), from the state
   * the plugins were loaded from; each status with a `folder` carries its own.
   */
  useInstallState(state: InstallState | undefined) {
    this.trustByFolder = new Map(
      Object.values(state?.plugins ?? {}).flatMap(record => (record.trust ? [[record.folder, record.trust] as const] : [])),
    );
    for (const [pkg, status] of this.entries) this.entries.set(pkg, this.withTrust(status));
  }

  set(status: DynamicPluginStatus) {
    this.entries.set(status.package, this.withTrust(status));
  }

  private withTrust(status: DynamicPluginStatus): DynamicPluginStatus {
    const trust = status.folder ? this.trustByFolder.get(status.folder) : undefined;
    return trust ? { ...status, trust } : status;
  }

  update(pkg: string, change: Partial<DynamicPluginStatus>) {
    const current = this.entries.get(pkg);
    if (current) this.entries.set(pkg, { ...current, ...change });
  }

  delete(pkg: string) {
    this.entries.delete(pkg);
  }

  get(pkg: string): DynamicPluginStatus | undefined {
    return this.entries.get(pkg);
  }

  list(): DynamicPluginStatus[] {
    return [...this.entries.values()].sort((a, b) => a.package.localeCompare(b.package));
  }
}
