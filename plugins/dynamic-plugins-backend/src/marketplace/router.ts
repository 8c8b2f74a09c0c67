import type { AuditorService, BackstageCredentials, HttpAuthService, PermissionsService } from '@backstage/backend-plugin-api';
import { InputError, NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult, type BasicPermission } from '@backstage/plugin-permission-common';
import {
  devportalPluginsConfigurePermission,
  devportalPluginsInstallPermission,
  devportalPluginsReadPermission,
} from '@devportal/plugin-devportal-common';
import { DYNAMIC_PLUGINS_ROUTES, type ChangeRequest, type DynamicPluginStatus, type ReplicaList } from '@devportal/plugin-dynamic-plugins-common';
import { layerDocument, readInstallState, type DesiredStateStore } from '@devportal/plugin-dynamic-plugins-node';
import { renderEffectiveConfig } from '@devportal/plugin-installer';
import express from 'express';
import Router from 'express-promise-router';
import type { CatalogView } from './catalogView';
import { AllowedDecisions, bearerToken } from './allowedDecisions';
import { managedPlugins } from './installedView';
import type { Marketplace } from './marketplace';
import { pluginSchemas } from './validateConfig';

export interface MarketplaceRouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  auditor: AuditorService;
  marketplace: Marketplace;
  store: DesiredStateStore;
  /** The replica view: every portal process on this database, with what it serves. */
  replicas(): Promise<ReplicaList>;
  catalog: CatalogView;
  root: string;
  baseConfig: string;
  status(): DynamicPluginStatus[];
}

/**
 * The marketplace routes under `/api/dynamic-plugins` (docs/plugins/api.md).
 * Reading needs `devportal.plugins.read`; changing which code runs needs
 * `devportal.plugins.install`; changing a plugin's config needs
 * `devportal.plugins.configure`. Every write is an audit event.
 */
export function createMarketplaceRouter(options: MarketplaceRouterOptions): express.Router {
  const { httpAuth, permissions, auditor, marketplace, store, catalog } = options;
  const router = Router();
  router.use(express.json({ limit: '1mb' }));

  const decisions = new AllowedDecisions();
  const allow = async (req: express.Request, permission: BasicPermission, what: string): Promise<BackstageCredentials> => {
    // The token is checked at every request; only the permission decision may come from a moment ago.
    const credentials = await httpAuth.credentials(req, { allow: ['user', 'service'] });
    const token = bearerToken(req.headers.authorization);
    if (decisions.has(token, permission.name)) return credentials;
    const [decision] = await permissions.authorize([{ permission }], { credentials });
    if (decision.result !== AuthorizeResult.ALLOW) throw new NotAllowedError(`Only DevPortal admins may ${what}`);
    decisions.remember(token, permission.name);
    return credentials;
  };
  const actorOf = (credentials: BackstageCredentials) => {
    const principal = credentials.principal as { type?: string; userEntityRef?: string; subject?: string };
    return principal.userEntityRef ?? `service:${principal.subject ?? 'unknown'}`;
  };
  /** Runs a write as an audit event: actor (from the request), action, plugin, from → to, result. */
  const audited = async <T>(req: express.Request, meta: Record<string, string | number | undefined>, write: () => Promise<T>) => {
    const event = await auditor.createEvent({
      eventId: 'dynamic-plugin-change',
      severityLevel: 'medium',
      request: req,
      meta: JSON.parse(JSON.stringify(meta)),
    });
    try {
      const result = await write();
      await event.success({ meta: { result: typeof result === 'object' ? JSON.parse(JSON.stringify(result)) : String(result) } });
      return result;
    } catch (error) {
      await event.fail({ error: error as Error });
      throw error;
    }
  };
  const idParam = (req: express.Request) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id < 1) throw new InputError(`'${req.params.id}' is not an id`);
    return id;
  };

  router.get(DYNAMIC_PLUGINS_ROUTES.plugins, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'list plugins');
    const [effective, pending, generations, applying] = await Promise.all([
      marketplace.effective(),
      store.listChanges(),
      store.listGenerations(),
      store.applying(),
    ]);
    const plugins = managedPlugins({ effective, state: readInstallState(options.root), status: options.status(), pending, generations });
    res.json({ plugins, pending, ...(applying ? { applying: { ...applying, layer: undefined } } : {}) });
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.catalog, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'browse the plugin catalog');
    const text = (name: string) => (typeof req.query[name] === 'string' ? (req.query[name] as string) : undefined);
    res.json(await catalog.list({ q: text('q'), category: text('category'), kind: text('kind'), source: text('source'), compatible: text('compatible') }));
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.catalogEntry, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'browse the plugin catalog');
    const entry = await catalog.get(req.params.id);
    if (!entry) throw new NotFoundError(`the catalog has no entry '${req.params.id}'`);
    res.json(entry);
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.changes, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'list staged changes');
    res.json({ changes: await store.listChanges() });
  });

  router.post(DYNAMIC_PLUGINS_ROUTES.changes, async (req, res) => {
    const body = req.body as ChangeRequest;
    const configures = body?.action === 'configure';
    const credentials = await allow(
      req,
      configures ? devportalPluginsConfigurePermission : devportalPluginsInstallPermission,
      configures ? 'configure plugins' : 'install or change plugins',
    );
    const change = await audited(req, { action: `stage-${String(body?.action)}`, plugin: String(body?.package) }, () =>
      marketplace.stage(body, actorOf(credentials)),
    );
    res.status(201).json(change);
  });

  router.delete(DYNAMIC_PLUGINS_ROUTES.change, async (req, res) => {
    await allow(req, devportalPluginsInstallPermission, 'discard staged changes');
    const id = idParam(req);
    await audited(req, { action: 'discard', change: id }, async () => {
      if (!(await store.removeChange(id))) throw new NotFoundError(`there is no staged change ${id}`);
      return id;
    });
    res.status(204).end();
  });

  router.post(DYNAMIC_PLUGINS_ROUTES.apply, async (req, res) => {
    const credentials = await allow(req, devportalPluginsInstallPermission, 'apply plugin changes');
    const pending = await store.listChanges();
    const generation = await audited(
      req,
      { action: 'apply', plugins: pending.map(c => `${c.action} ${c.key}`).join(', ') },
      () => marketplace.apply(actorOf(credentials)),
    );
    res.status(202).json({ generation });
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.replicas, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'see the replicas');
    res.json(await options.replicas());
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.generations, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'read the plugin history');
    res.json({ generations: await store.listGenerations() });
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.generation, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'read the plugin history');
    const generation = await store.getGeneration(idParam(req));
    if (!generation) throw new NotFoundError(`there is no generation ${req.params.id}`);
    res.json({ ...generation, layer: layerDocument(generation.layer).plugins });
  });

  router.post(DYNAMIC_PLUGINS_ROUTES.rollback, async (req, res) => {
    const credentials = await allow(req, devportalPluginsInstallPermission, 'roll plugins back');
    const id = idParam(req);
    const generation = await audited(req, { action: 'rollback', to: id }, () => marketplace.rollback(id, actorOf(credentials)));
    res.status(202).json({ generation });
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.pluginSchema, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'read plugin config schemas');
    const key = typeof req.query.key === 'string' ? req.query.key : undefined;
    if (!key) throw new InputError('give the plugin with ?key=<its key>');
    res.json({ key, schemas: await pluginSchemas(options.root, key).catch(error => {
      throw new InputError(`the config schema of ${key} cannot be read: ${(error as Error).message.split('\n')[0]}`);
    }) });
  });

  router.get(DYNAMIC_PLUGINS_ROUTES.effective, async (req, res) => {
    await allow(req, devportalPluginsReadPermission, 'read the plugin configuration');
    const layer = await marketplace.currentLayer();
    res.type('text/yaml').send(await renderEffectiveConfig(options.baseConfig, layerDocument(layer).plugins));
  });

  return router;
}
