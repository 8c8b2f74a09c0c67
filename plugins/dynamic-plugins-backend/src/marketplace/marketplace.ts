import path from 'node:path';
import type { LoggerService } from '@backstage/backend-plugin-api';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import {
  APPLY_SIGNAL_CHANNEL,
  CHANGE_ACTIONS,
  type ApplyProgress,
  type ApplyStage,
  type ChangeRequest,
  type GenerationSummary,
  type PendingChange,
} from '@devportal/plugin-dynamic-plugins-common';
import {
  applyChange,
  ApplyRunningError,
  diffEffective,
  writeLayerFile,
  type DesiredStateStore,
  type KeyedLayerEntry,
  type StoredGeneration,
} from '@devportal/plugin-dynamic-plugins-node';
import { pinPackage, pluginKeyOf } from '@devportal/plugin-installer';
import { layeredPlugins } from './effective';
import { runInstaller } from './installRunner';
import type { MarketplaceSettings } from './settings';
import type { ConfigValidator } from './validateConfig';

export interface MarketplaceDeps {
  store: DesiredStateStore;
  settings: MarketplaceSettings;
  root: string;
  logger: LoggerService;
  validateConfig: ConfigValidator;
  /** Pushes apply progress to open pages (Backstage signals); optional so the API works without it. */
  publish?(progress: ApplyProgress): Promise<void>;
  /** Asks the supervisor for a new backend on the installed root (exit 75 after a graceful stop). */
  requestRestart(): void;
  /** A unique name for this process, for the apply lock. */
  holder: string;
}

/**
 * The marketplace's actions: stage changes, apply them as a generation,
 * roll back. The desired state is in the database (DesiredStateStore); the
 * base file stays the GitOps source and the layer only overrides it.
 */
export class Marketplace {
  constructor(private readonly deps: MarketplaceDeps) {}

  /** The layer a start installs now: the newest serving (or installed) generation's. */
  async currentLayer(): Promise<KeyedLayerEntry[]> {
    return (await this.deps.store.desiredGeneration())?.layer ?? [];
  }

  async effective() {
    return layeredPlugins(this.deps.settings.baseConfig, await this.currentLayer());
  }

  /** Validates and stores one change; what Install pins is resolved here, so the admin sees it. */
  async stage(request: ChangeRequest, author: string): Promise<PendingChange> {
    if (!request || typeof request !== 'object') throw new InputError('the body must be a change: { action, package, ... }');
    if (!(CHANGE_ACTIONS as readonly string[]).includes(request.action)) {
      throw new InputError(`action must be one of ${CHANGE_ACTIONS.join(', ')}, not ${JSON.stringify(request.action)}`);
    }
    if (typeof request.package !== 'string' || request.package.trim() === '') throw new InputError('package must be a package line or a plugin key');
    if (request.pluginConfig !== undefined && (typeof request.pluginConfig !== 'object' || request.pluginConfig === null || Array.isArray(request.pluginConfig))) {
      throw new InputError('pluginConfig must be a mapping of app-config keys');
    }
    const effective = await this.effective();
    let change: ChangeRequest & { key: string } = { ...request, key: request.package };
    if (request.action === 'install') {
      const { key, error } = await pluginKeyOf(request.package);
      if (error) throw new InputError(error);
      const pinned = request.integrity
        ? { package: request.package, integrity: request.integrity }
        : await pinPackage(request.package, { configDir: path.dirname(this.deps.settings.baseConfig) }).catch(error => {
            throw new InputError(`cannot pin ${request.package}: ${(error as Error).message}`);
          });
      change = { ...request, key, package: pinned.package, ...(pinned.integrity ? { integrity: pinned.integrity } : {}) };
    } else {
      const byPackage = effective.find(p => p.key === request.package || p.package === request.package);
      if (!byPackage) throw new NotFoundError(`no plugin ${request.package} is installed or staged`);
      change = { ...request, key: byPackage.key, package: byPackage.key };
    }
    const target = effective.find(p => p.key === change.key);
    if (target?.base?.locked) {
      throw new ConflictError(`${change.key} is locked in ${path.basename(this.deps.settings.baseConfig)}; change it there`);
    }
    if (change.pluginConfig !== undefined) {
      const problem = await this.deps.validateConfig(change.key, change.pluginConfig, target?.package ?? change.package);
      if (problem) throw new InputError(problem);
    }
    // Checked against the layer now, so a change that cannot apply is refused when staged, not at Apply.
    const layer = await this.currentLayer();
    try {
      applyChange(layer, change, target?.base ? { package: target.base.package, locked: target.base.locked } : undefined);
    } catch (error) {
      throw new InputError((error as Error).message);
    }
    return this.deps.store.addChange(change, author);
  }

  /**
   * Applies the staged changes as a new generation; resolves to its id as
   * soon as the generation is recorded. Throws ConflictError while another
   * apply runs (on any replica).
   */
  async apply(author: string): Promise<number> {
    const changes = await this.deps.store.listChanges();
    if (changes.length === 0) throw new InputError('there are no staged changes to apply');
    const before = await this.currentLayer();
    const base = new Map((await this.effective()).filter(p => p.base).map(p => [p.key, p.base!]));
    let layer = before;
    for (const change of changes) layer = applyChange(layer, change, base.get(change.key));
    const generation = await this.begin({ author, layer, before });
    void this.run(generation, changes.map(c => c.id));
    return generation.id;
  }

  /** A new generation equal to an earlier one; its own apply, history and audit. */
  async rollback(id: number, author: string): Promise<number> {
    const target = await this.deps.store.getGeneration(id);
    if (!target) throw new NotFoundError(`there is no generation ${id}`);
    if (target.state === 'failed' || target.state === 'applying') {
      throw new InputError(`generation ${id} ${target.state === 'failed' ? 'failed' : 'is still applying'}; roll back to one that served`);
    }
    const generation = await this.begin({ author, layer: target.layer, before: await this.currentLayer(), rollbackOf: id });
    void this.run(generation, []);
    return generation.id;
  }

  private async begin(input: { author: string; layer: KeyedLayerEntry[]; before: KeyedLayerEntry[]; rollbackOf?: number }) {
    const baseFile = this.deps.settings.baseConfig;
    const diff = diffEffective(await layeredPlugins(baseFile, input.before), await layeredPlugins(baseFile, input.layer));
    try {
      return await this.deps.store.beginGeneration({
        author: input.author,
        layer: input.layer,
        diff,
        rollbackOf: input.rollbackOf,
        holder: this.deps.holder,
        lockMs: this.deps.settings.lockMs,
      });
    } catch (error) {
      if (error instanceof ApplyRunningError) throw new ConflictError(error.message);
      throw error;
    }
  }

  /** The installer in a child process; then a restart, or the failure recorded. */
  private async run(generation: StoredGeneration, changeIds: number[]): Promise<void> {
    const { store, settings, logger } = this.deps;
    const report = async (stage: ApplyStage, state: ApplyProgress['state'] = 'applying', message?: string) => {
      await this.deps.publish?.({ generation: generation.id, stage, state, ...(message ? { message } : {}) }).catch(() => {});
    };
    try {
      await report('resolve');
      const layerFile = await writeLayerFile(this.deps.root, generation);
      const result = await runInstaller({
        cli: settings.cli,
        baseConfig: settings.baseConfig,
        root: this.deps.root,
        layerFile,
        extraArgs: settings.installerArgs,
        timeoutMs: settings.installTimeoutMs,
        onStage: stage => {
          void store.setStage(generation.id, stage);
          void report(stage);
        },
      });
      if (!result.ok) {
        await store.failGeneration(generation.id, result.reason!);
        logger.warn(`Generation ${generation.id} failed; the previous plugins keep serving: ${result.reason}`);
        await report('resolve', 'failed', result.reason);
        return;
      }
      await store.removeChanges(changeIds);
      await store.setStage(generation.id, 'start');
      await report('start');
      if (settings.restart) {
        logger.info(`Generation ${generation.id} is installed; restarting the backend to serve it`);
        this.deps.requestRestart();
      } else {
        // Without a supervisor the next start serves it; say so rather than pretend.
        logger.info(`Generation ${generation.id} is installed; it serves after the next restart (dynamicPlugins.marketplace.restart is false)`);
      }
    } catch (error) {
      const reason = `the apply failed: ${(error as Error).message}`;
      logger.error(`Generation ${generation.id}: ${reason}`);
      await store.failGeneration(generation.id, reason).catch(() => {});
      await report('resolve', 'failed', reason);
    }
  }

  /** At start: the generation this process was started for now serves. */
  async completeStartedGeneration(installedLayerFile: string | undefined): Promise<GenerationSummary | undefined> {
    const applying = await this.deps.store.desiredGeneration();
    if (!applying || applying.state !== 'applying') return undefined;
    // Only when this root holds that generation's layer: a replica still on an older root says nothing.
    const expected = path.basename(installedLayerFile ?? '');
    if (expected !== `layer-${applying.id}.yaml`) return undefined;
    await this.deps.store.serveGeneration(applying.id);
    await this.deps.publish?.({ generation: applying.id, stage: 'healthy', state: 'serving' }).catch(() => {});
    return applying;
  }

  static signalChannel = APPLY_SIGNAL_CHANNEL;
}
