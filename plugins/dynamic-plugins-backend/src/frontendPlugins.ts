import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '@backstage/config';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { INSTALLER_STATE_FILE, isFrontendRole, sourceLabel, type DynamicPluginStatus } from '@devportal/plugin-dynamic-plugins-common';
import { readInstallState } from '@devportal/plugin-dynamic-plugins-node';
import { checkPluginConfig } from './configSchema';
import { fileSignature } from './fileSignature';
import { readFrontendRemote, type ServedRemote } from './frontendRemotes';
import type { PluginSchemas } from './schemaVisibility';
import type { DynamicPluginStatusStore } from './status';

/**
 * The dynamic frontend plugins the backend serves, read from the installer's
 * current state: when the state file changes (the installer ran again), the
 * next request re-reads it. The backend never runs a frontend plugin's code,
 * so nothing needs a restart for the list to change.
 */
export class FrontendPlugins {
  private served: ServedRemote[] = [];
  /** Every frontend package of the last read, served or failed. */
  private listed = new Set<string>();
  private readSignature: string | undefined;
  private reading: Promise<void> | undefined;
  /** Config schemas of the frontend plugins read at start, for the app (see appConfigSchema.ts). */
  readonly schemasAtStart: PluginSchemas[] = [];
  private started = false;

  constructor(
    private readonly options: {
      root: string | undefined;
      config: Config;
      status: DynamicPluginStatusStore;
      logger: LoggerService;
    },
  ) {}

  /** What is served now; re-reads the installer state when it changed since the last read. */
  async current(): Promise<ServedRemote[]> {
    const signature = this.stateSignature();
    if (signature !== this.readSignature) {
      this.reading ??= this.read(signature).finally(() => {
        this.reading = undefined;
      });
      await this.reading;
    }
    return this.served;
  }

  private stateSignature(): string | undefined {
    return this.options.root ? fileSignature(path.join(this.options.root, INSTALLER_STATE_FILE)) : undefined;
  }

  private async read(signature: string | undefined) {
    const { root, config, status, logger } = this.options;
    const state = root ? readInstallState(root) : undefined;
    const served: ServedRemote[] = [];
    const seen = new Set<string>();
    for (const record of Object.values(state?.plugins ?? {})) {
      const folder = path.join(root!, record.folder);
      const pkg = readPackageJson(folder);
      if (!pkg || !isFrontendRole(pkg.backstage?.role)) continue;
      const entry: DynamicPluginStatus = {
        package: String(pkg.name ?? record.package),
        version: String(pkg.version ?? ''),
        source: sourceLabel(record.source),
        kind: pkg.backstage.role,
        state: 'loaded',
        folder: record.folder,
      };
      seen.add(entry.package);
      const read = readFrontendRemote(folder, { ...pkg, name: entry.package });
      // A schema that cannot be read does not keep a frontend plugin from
      // being served (RHDH serves it too): it is logged, and the plugin runs
      // with its config unchecked and invisible to the browser.
      const checked = 'served' in read ? await checkPluginConfig(folder, config, { unreadableSchema: 'warning' }) : read;
      if ('warning' in checked && checked.warning) logger.warn(`Dynamic frontend plugin ${entry.package}: ${checked.warning}`);
      if ('problem' in checked) {
        status.set({ ...entry, state: 'failed', reason: checked.problem });
        logger.error(`Dynamic frontend plugin ${entry.package} is not served: ${checked.problem}`);
      } else if ('served' in read) {
        served.push(read.served);
        if (!this.started) this.schemasAtStart.push({ package: entry.package, schemas: checked.schemas });
        status.set(entry);
      }
    }
    // A frontend plugin no longer installed is no longer listed.
    for (const old of this.listed) {
      if (!seen.has(old)) status.delete(old);
    }
    this.listed = seen;
    this.served = served;
    this.readSignature = signature;
    this.started = true;
  }
}

/** A plugin folder's package.json, or undefined when it has none that parses. */
export function readPackageJson(folder: string): Record<string, any> | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}
