import { createApiRef, type DiscoveryApi, type FetchApi } from '@backstage/frontend-plugin-api';
import {
  DYNAMIC_PLUGINS_PLUGIN_ID,
  DYNAMIC_PLUGINS_ROUTES,
  routeWithId,
  type CatalogKind,
  type CatalogListing,
  type ChangeRequest,
  type Generation,
  type GenerationSummary,
  type ManagedPlugin,
  type PendingChange,
  type PluginSourceLabel,
  type ReplicaList,
} from '@devportal/plugin-dynamic-plugins-common';

/** `GET /plugins`: the Installed view's data. */
export interface PluginsOverview {
  plugins: ManagedPlugin[];
  pending: PendingChange[];
  /** The generation being applied now, if one is. */
  applying?: GenerationSummary;
}

export interface CatalogFilter {
  q?: string;
  category?: string;
  kind?: CatalogKind;
  source?: PluginSourceLabel;
  /** `true` keeps the compatible entries only. */
  compatible?: boolean;
}

export interface CatalogPage {
  entries: CatalogListing[];
  /** Catalog sources that could not be read; the others are still listed. */
  errors: string[];
}

/** `GET /plugin-schema?key=`: an installed plugin's config schemas (empty when it declares none). */
export interface PluginSchemas {
  key: string;
  /** Backstage config schemas: JSON Schema draft-07 with `visibility`. */
  schemas: Record<string, unknown>[];
}

export interface Whoami {
  userEntityRef?: string;
  isAdmin: boolean;
}

/** The Plugins page's view of `/api/dynamic-plugins` (docs/plugins/api.md). */
export interface MarketplaceApi {
  /** Whether the signed-in user may manage plugins (`/api/devportal/whoami`). */
  whoami(): Promise<Whoami>;
  listPlugins(): Promise<PluginsOverview>;
  listCatalog(filter?: CatalogFilter): Promise<CatalogPage>;
  getCatalogEntry(id: string): Promise<CatalogListing>;
  stageChange(change: ChangeRequest): Promise<PendingChange>;
  listChanges(): Promise<PendingChange[]>;
  discardChange(id: number): Promise<void>;
  /** Applies the staged changes; answers the new generation's id. */
  apply(): Promise<{ generation: number }>;
  listGenerations(): Promise<GenerationSummary[]>;
  getGeneration(id: number): Promise<Generation>;
  rollback(id: number): Promise<{ generation: number }>;
  /** The effective dynamic-plugins.yaml, as text. */
  effectiveYaml(): Promise<string>;
  /** The Configure form's schema for an installed plugin. */
  pluginSchema(key: string): Promise<PluginSchemas>;
  /** Each portal process on the database: the generation it serves, its state and last error. */
  listReplicas(): Promise<ReplicaList>;
}

export const marketplaceApiRef = createApiRef<MarketplaceApi>().with({
  id: 'plugin.dynamic-plugins.marketplace',
  pluginId: 'dynamic-plugins',
});

/**
 * An error answer of the API, with Backstage's error name (`InputError`,
 * `ConflictError`, `NotAllowedError`, …) and HTTP status, so the page can
 * tell "not allowed" and "an apply is running" from other failures.
 */
export class MarketplaceError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly errorName: string,
  ) {
    super(message);
    this.name = 'MarketplaceError';
  }
}

/** A message for the page, whatever was thrown. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function isForbidden(error: unknown): boolean {
  return error instanceof MarketplaceError && (error.status === 403 || error.errorName === 'NotAllowedError');
}

export class MarketplaceClient implements MarketplaceApi {
  // The answer cannot change without a new sign-in, which reloads the app;
  // the sidebar and the page both ask, so they share one request.
  private whoamiAnswer?: Promise<Whoami>;

  constructor(private readonly deps: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {}

  whoami(): Promise<Whoami> {
    if (!this.whoamiAnswer) {
      this.whoamiAnswer = this.request<Whoami>('/whoami', {}, 'devportal');
      // A failed request (backend restarting) is asked again next time.
      this.whoamiAnswer.catch(() => (this.whoamiAnswer = undefined));
    }
    return this.whoamiAnswer;
  }

  listPlugins() {
    return this.request<PluginsOverview>(DYNAMIC_PLUGINS_ROUTES.plugins);
  }

  listCatalog(filter: CatalogFilter = {}) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filter)) {
      if (value !== undefined && value !== '' && value !== false) query.set(key, String(value));
    }
    const search = query.toString();
    return this.request<CatalogPage>(`${DYNAMIC_PLUGINS_ROUTES.catalog}${search ? `?${search}` : ''}`);
  }

  getCatalogEntry(id: string) {
    return this.request<CatalogListing>(routeWithId(DYNAMIC_PLUGINS_ROUTES.catalogEntry, id));
  }

  stageChange(change: ChangeRequest) {
    return this.request<PendingChange>(DYNAMIC_PLUGINS_ROUTES.changes, { method: 'POST', body: change });
  }

  async listChanges() {
    return (await this.request<{ changes: PendingChange[] }>(DYNAMIC_PLUGINS_ROUTES.changes)).changes;
  }

  async discardChange(id: number) {
    await this.request<void>(routeWithId(DYNAMIC_PLUGINS_ROUTES.change, id), { method: 'DELETE' });
  }

  apply() {
    return this.request<{ generation: number }>(DYNAMIC_PLUGINS_ROUTES.apply, { method: 'POST' });
  }

  async listGenerations() {
    return (await this.request<{ generations: GenerationSummary[] }>(DYNAMIC_PLUGINS_ROUTES.generations)).generations;
  }

  getGeneration(id: number) {
    return this.request<Generation>(routeWithId(DYNAMIC_PLUGINS_ROUTES.generation, id));
  }

  rollback(id: number) {
    return this.request<{ generation: number }>(routeWithId(DYNAMIC_PLUGINS_ROUTES.rollback, id), { method: 'POST' });
  }

  effectiveYaml() {
    return this.request<string>(DYNAMIC_PLUGINS_ROUTES.effective, { accept: 'text/yaml' });
  }

  pluginSchema(key: string) {
    return this.request<PluginSchemas>(`${DYNAMIC_PLUGINS_ROUTES.pluginSchema}?${new URLSearchParams({ key })}`);
  }

  listReplicas() {
    return this.request<ReplicaList>(DYNAMIC_PLUGINS_ROUTES.replicas);
  }

  private async request<T>(
    path: string,
    options: { method?: string; body?: unknown; accept?: string } = {},
    pluginId: string = DYNAMIC_PLUGINS_PLUGIN_ID,
  ): Promise<T> {
    const base = await this.deps.discoveryApi.getBaseUrl(pluginId);
    const headers: Record<string, string> = { accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.deps.fetchApi.fetch(`${base}${path}`, {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    if (!response.ok) throw await responseError(response, `${options.method ?? 'GET'} ${path}`);
    if (response.status === 204) return undefined as T;
    if (options.accept && !options.accept.includes('json')) return (await response.text()) as T;
    return (await response.json()) as T;
  }
}

/** Reads Backstage's `{ error: { name, message } }`; falls back to the status line. */
async function responseError(response: Response, what: string): Promise<MarketplaceError> {
  let name = 'Error';
  let message = `${what}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  try {
    const body = (await response.json()) as { error?: { name?: unknown; message?: unknown } };
    if (typeof body?.error?.message === 'string') message = body.error.message;
    if (typeof body?.error?.name === 'string') name = body.error.name;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new MarketplaceError(message, response.status, name);
}
