import type { DynamicPluginStatus } from '@devportal/plugin-dynamic-plugins-common';

export type { DynamicPluginStatus };

/** The status of every dynamic plugin in this backend process. */
export class DynamicPluginStatusStore {
  private readonly entries = new Map<string, DynamicPluginStatus>();

  set(status: DynamicPluginStatus) {
    this.entries.set(status.package, status);
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
