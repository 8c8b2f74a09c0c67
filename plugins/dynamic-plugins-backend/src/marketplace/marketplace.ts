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
import { pinPackage, pluginKeyOf, type ResolvedConfig } from '@devportal/plugin-installer';
import { resolveBaseConfig } from './baseConfigCache';
import { backendSnapshot } from './backendSnapshot';
import { layeredPlugins } from './effective';
import { changesFrontendOnly } from './frontendOnly';
import { runInstaller, WarmInstaller } from './installRunner';
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
  /** Asks the supervisor for a new backend generation on the installed root. */
  requestGeneration(generation: number): void;
  /**
   * An install for `generation` begins: the supervisor may start a held
   * backend now, so that its module loading overlaps the install.
   */
  prepareGeneration?(generation: number): void;
  /** The install for `generation` failed or needs no new backend: the held one may go. */
  abandonGeneration?(generation: number): void;
  /** This replica's name (stable across its generations and restarts): the apply lock's holder. */
  holder: string;
}

/** What an apply's diff is worked out from: the layer before it, over the base file as resolved at Apply. */
interface DiffInput {
  before: KeyedLayerEntry[];
  resolvedBase: ResolvedConfig;
}

/** What this process serves and is doing, for the replica view. */
export interface LocalState {
  /** The generation this process serves (null: the base file alone). */
  served: number | null;
  /** The generation being installed or started here. */
  target?: number;
  lastError?: string;
}

/**
 * The marketplace's actions: stage changes, apply them as a generation,
 * roll back. The desired state is in the database (DesiredStateStore); the
 * base file stays the GitOps source and the layer only overrides it.
 */
export class Marketplace {
  private served: number | null;
  private target: { id: number; previous: number | null; recordOnFailure: boolean } | undefined;
  private lastError: string | undefined;
  private readonly warmInstaller: WarmInstaller;

  constructor(private readonly deps: MarketplaceDeps & { served: number | null }) {
    this.served = deps.served;
    this.warmInstaller = new WarmInstaller(deps.settings.cli);
  }

  local(): LocalState {
    return { served: this.served, ...(this.target ? { target: this.target.id } : {}), ...(this.lastError ? { lastError: this.lastError } : {}) };
  }

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
    let change: ChangeRequest & { key: string; role?: string } = { ...request, key: request.package };
    if (request.action === 'install') {
      const { key, error } = await pluginKeyOf(request.package);
      if (error) throw new InputError(error);
      const pin = async () => pinPackage(request.package, { configDir: path.dirname(this.deps.settings.baseConfig) });
      const pinned = request.integrity
        ? // Pinned by the caller (a catalog entry): the registry is asked for the role only, and may be out of reach.
          { package: request.package, integrity: request.integrity, role: (await pin().catch(() => undefined))?.role }
        : await pin().catch(error => {
            throw new InputError(`cannot pin ${request.package}: ${(error as Error).message}`);
          });
      change = {
        ...request,
        key,
        package: pinned.package,
        ...(pinned.integrity ? { integrity: pinned.integrity } : {}),
        ...(pinned.role ? { role: pinned.role } : {}),
      };
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
    const staged = await this.deps.store.addChange(change, author);
    // An apply usually follows: its installer loads its modules now, off the apply's path.
    this.warmInstaller.warm();
    return staged;
  }

  /**
   * Applies the staged changes as a new generation; resolves to its id as
   * soon as the generation is recorded. Throws ConflictError while another
   * apply runs (on any replica).
   */
  async apply(author: string): Promise<number> {
    this.refuseWhileMoving();
    const changes = await this.deps.store.listChanges();
    if (changes.length === 0) throw new InputError('there are no staged changes to apply');
    const stagedRoles = new Map(changes.flatMap(c => (c.role ? [[c.key, c.role] as const] : [])));
    return this.startGeneration(author, { changeIds: changes.map(c => c.id), stagedRoles }, (before, resolvedBase) => {
      const base = new Map(resolvedBase.plugins.map(p => [p.key, { package: p.package, locked: p.locked === true }]));
      let layer = before;
      for (const change of changes) layer = applyChange(layer, change, base.get(change.key));
      return layer;
    });
  }

  /** A new generation equal to an earlier one; its own apply, history and audit. */
  async rollback(id: number, author: string): Promise<number> {
    const target = await this.deps.store.getGeneration(id);
    if (!target) throw new NotFoundError(`there is no generation ${id}`);
    if (target.state === 'failed' || target.state === 'applying') {
      throw new InputError(`generation ${id} ${target.state === 'failed' ? 'failed' : 'is still applying'}; roll back to one that served`);
    }
    return this.startGeneration(author, { changeIds: [], rollbackOf: id }, () => target.layer);
  }

  /**
   * Records a generation with the layer `layerOf` makes from the current one
   * and takes the apply lock, then installs it in the background. Everything
   * until the installer starts is on the path to serving, and on a busy
   * backend every step waits its turn: the layer is read once, the base file
   * resolved once, and the diff for the history is worked out while the
   * installer runs (carryOut).
   */
  private async startGeneration(
    author: string,
    input: { changeIds: number[]; rollbackOf?: number; stagedRoles?: ReadonlyMap<string, string> },
    layerOf: (before: KeyedLayerEntry[], resolvedBase: ResolvedConfig) => KeyedLayerEntry[],
  ): Promise<number> {
    this.refuseWhileMoving();
    // Side by side: the database and the files each take their turns on a busy backend.
    const [before, resolvedBase] = await Promise.all([this.currentLayer(), resolveBaseConfig(this.deps.settings.baseConfig)]);
    const layer = layerOf(before, resolvedBase);
    // Again: a follow may have begun during the reads above.
    this.refuseWhileMoving();
    let generation: StoredGeneration;
    try {
      generation = await this.deps.store.beginGeneration({
        author,
        layer,
        diff: [],
        rollbackOf: input.rollbackOf,
        holder: this.deps.holder,
        lockMs: this.deps.settings.lockMs,
      });
    } catch (error) {
      if (error instanceof ApplyRunningError) throw new ConflictError(error.message);
      throw error;
    }
    const frontendOnly = changesFrontendOnly({ root: this.deps.root, before, after: layer, base: resolvedBase, stagedRoles: input.stagedRoles ?? new Map() });
    void this.carryOut(generation, { own: true, changeIds: input.changeIds, diff: { before, resolvedBase }, frontendOnly });
    return generation.id;
  }

  /**
   * This replica is installing or starting a generation (its own apply, or
   * one it follows): a second install here would overwrite the root it is
   * moving to. The database lock covers applies on other replicas.
   */
  private refuseWhileMoving() {
    if (!this.target) return;
    // Its own apply: the same words as the database lock's refusal, whichever of the two comes first.
    if (this.target.recordOnFailure) throw new ConflictError(new ApplyRunningError(this.target.id).message);
    throw new ConflictError(
      `this replica is moving to generation ${this.target.id}, which serves on another replica; apply again once it serves here (the History tab shows the replicas)`,
    );
  }

  /**
   * Installs `generation` into this replica's root in a child process, then
   * makes it take effect, or records why not. `own`: this replica's apply
   * (its progress, outcome and the staged changes it consumed are recorded
   * in the generation); otherwise a replica following a generation that
   * serves elsewhere, whose failure is this replica's alone (it keeps
   * serving what it had and reports why).
   */
  private async carryOut(
    generation: StoredGeneration,
    purpose: { own: true; changeIds: number[]; diff: DiffInput; frontendOnly: boolean } | { own: false },
  ): Promise<void> {
    const { store, logger } = this.deps;
    this.target = { id: generation.id, previous: this.served, recordOnFailure: purpose.own };
    // A replica following a generation staged elsewhere does not have the
    // staged roles, so it always prepares: a backend it does not need is stopped unused.
    if (purpose.own && purpose.frontendOnly) logger.info(`Generation ${generation.id} changes frontend plugins only; no backend is started ahead of its install`);
    else this.deps.prepareGeneration?.(generation.id);
    try {
      if (purpose.own) void this.report(generation.id, 'resolve');
      const before = backendSnapshot(this.deps.root);
      const installing = this.install(
        generation,
        purpose.own
          ? stage => {
              void store.setStage(generation.id, stage);
              void this.report(generation.id, stage);
            }
          : () => {},
      );
      // The new backend's verdict reads the diff (which plugins the generation touched): recorded before it is asked for.
      const diffError = purpose.own ? this.recordDiff(generation, purpose.diff).then(() => undefined, (error: Error) => error) : undefined;
      const result = await installing;
      if (!result.ok) {
        await this.failed(generation.id, result.reason!, false);
        return;
      }
      const unrecorded = await diffError;
      if (unrecorded) {
        // The root holds the generation already: put it back, like any failure after the install.
        await this.failed(generation.id, `its changes could not be worked out: ${unrecorded.message}`);
        return;
      }
      await this.takeEffect(generation.id, before, purpose.own ? purpose.changeIds : []);
    } catch (error) {
      const message = (error as Error).message;
      const reason = purpose.own ? `the apply failed: ${message}` : `following generation ${generation.id} failed: ${message}`;
      logger.error(`Generation ${generation.id}: ${reason}`);
      await this.failed(generation.id, reason, false).catch(() => {});
    }
  }

  /** What the generation changes against what served before it: the History tab's lines. */
  private async recordDiff(generation: StoredGeneration, input: DiffInput): Promise<void> {
    const baseFile = this.deps.settings.baseConfig;
    const [before, after] = await Promise.all([
      layeredPlugins(baseFile, input.before, input.resolvedBase),
      layeredPlugins(baseFile, generation.layer, input.resolvedBase),
    ]);
    await this.deps.store.setDiff(generation.id, diffEffective(before, after));
  }

  /** A replica following a generation that serves elsewhere (ReplicaSync); nothing when it is moving already. */
  async follow(generation: StoredGeneration): Promise<void> {
    if (this.target) return;
    await this.carryOut(generation, { own: false });
  }

  /**
   * Whether this replica tried `id` and failed within `retryMs`: it does not
   * retry in a loop, but a failure that passes (a registry or the database
   * out of connections for a moment) does not keep it behind for good.
   */
  failedOn(id: number, retryMs = 120_000): boolean {
    return this.lastError !== undefined && this.lastFailed?.id === id && Date.now() - this.lastFailed.at < retryMs;
  }
  private lastFailed: { id: number; at: number } | undefined;

  private install(generation: { id: number; layer: KeyedLayerEntry[] }, onStage: (stage: ApplyStage) => void) {
    const { settings } = this.deps;
    return writeLayerFile(this.deps.root, generation).then(layerFile =>
      runInstaller({
        cli: settings.cli,
        baseConfig: settings.baseConfig,
        root: this.deps.root,
        layerFile,
        extraArgs: settings.installerArgs,
        timeoutMs: settings.installTimeoutMs,
        onStage,
        warm: this.warmInstaller,
      }),
    );
  }

  /**
   * The root holds generation `id`. Frontend plugins only changed: this
   * backend already serves them (the remotes list is read per request), so
   * the generation serves now and open pages are told to reload. Otherwise a
   * new backend generation is asked for; it marks the generation serving
   * once the supervisor has switched to it.
   */
  private async takeEffect(id: number, before: string, changeIds: number[]): Promise<void> {
    const { store, settings, logger } = this.deps;
    const own = this.target?.recordOnFailure === true;
    if (backendSnapshot(this.deps.root) === before) {
      this.deps.abandonGeneration?.(id);
      await store.removeChanges(changeIds);
      if (own) await store.serveGeneration(id);
      this.served = id;
      this.target = undefined;
      this.lastError = undefined;
      logger.info(`Generation ${id} serves: frontend plugins only changed, so this backend serves them without a new generation`);
      await this.report(id, 'healthy', 'serving', 'Frontend plugins only: served by the running backend, no new backend generation was needed.');
      return;
    }
    // Before the ask: from now on a start installs this generation, and the
    // new backend finds it installed when it marks it serving.
    if (own) await store.setStage(id, 'start');
    if (settings.restart) {
      logger.info(`Generation ${id} is installed; starting a backend generation to serve it`);
      this.deps.requestGeneration(id);
    } else {
      // Without a supervisor the next start serves it; say so rather than pretend.
      this.deps.abandonGeneration?.(id);
      this.target = undefined;
      logger.info(`Generation ${id} is installed; it serves after the next restart (dynamicPlugins.marketplace.restart is false)`);
    }
    // The rest is bookkeeping, off the new backend's path to serving.
    await store.removeChanges(changeIds);
    await this.report(id, 'start');
  }

  /**
   * The supervisor says the backend asked for `id` did not take over (or the
   * install failed): the generation is recorded as failed with why (when it
   * was this replica's apply), and the root goes back to what this process
   * serves, so files and a later restart match it.
   */
  async failed(id: number, reason: string, restoreRoot = true): Promise<void> {
    const target = this.target;
    if (!target || target.id !== id) return;
    const { store, logger } = this.deps;
    this.deps.abandonGeneration?.(id);
    logger.warn(`Generation ${id} failed here; generation ${target.previous ?? '(base file)'} keeps serving: ${reason}`);
    // The root first, the record second: the apply lock is held until the
    // root matches what serves again, so no other apply starts from a root
    // that holds the failed generation.
    if (restoreRoot) {
      const previous = target.previous === null ? undefined : await store.getGeneration(target.previous);
      const restored = await this.install({ id: target.previous ?? 0, layer: previous?.layer ?? [] }, () => {});
      if (!restored.ok) logger.error(`Could not put the root back to generation ${target.previous ?? '(base file)'}: ${restored.reason}`);
    }
    if (target.recordOnFailure) await store.failGeneration(id, reason);
    this.target = undefined;
    this.lastError = reason;
    this.lastFailed = { id, at: Date.now() };
    await this.report(id, 'resolve', 'failed', reason);
  }

  private async report(generation: number, stage: ApplyStage, state: ApplyProgress['state'] = 'applying', message?: string) {
    await this.deps.publish?.({ generation, stage, state, ...(message ? { message } : {}) }).catch(() => {});
  }

  /** Once this process serves (traffic switched to it): the generation it was started for now serves. */
  async completeStartedGeneration(): Promise<GenerationSummary | undefined> {
    const applying = await this.deps.store.desiredGeneration();
    if (!applying || applying.state !== 'applying') return undefined;
    // Only when this root holds that generation: a replica still on an older root says nothing.
    if (this.served !== applying.id) return undefined;
    await this.deps.store.serveGeneration(applying.id);
    await this.report(applying.id, 'healthy', 'serving');
    return applying;
  }

  static signalChannel = APPLY_SIGNAL_CHANNEL;
}
