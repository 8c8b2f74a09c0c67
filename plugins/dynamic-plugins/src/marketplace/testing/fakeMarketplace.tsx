import { ConfigReader } from '@backstage/config';
import { configApiRef, type ApiRef } from '@backstage/frontend-plugin-api';
import { signalApiRef } from '@backstage/plugin-signals-react';
import type { CatalogListing, ChangeRequest, Generation, GenerationSummary, ManagedPlugin, PendingChange } from '@devportal/plugin-dynamic-plugins-common';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router-dom';
import { ApiHolderProvider } from '../../nfs/routeAliases';
import { MarketplaceError, marketplaceApiRef, type CatalogFilter, type MarketplaceApi } from '../api';

/** Test data: one plugin per interesting case. */
export const plugins: ManagedPlugin[] = [
  { key: '@devportal/plugin-portal-info-backend', package: './dynamic-plugins/dist/portal-info', origin: 'yaml', locked: true, enabled: true, version: '0.1.0', source: 'bundled', state: 'loaded', initMs: 12 },
  {
    key: '@acme/plugin-todo-backend',
    package: '@acme/plugin-todo-backend@1.0.0',
    origin: 'marketplace',
    locked: false,
    enabled: true,
    version: '1.0.0',
    source: 'npm',
    state: 'failed',
    reason: 'init did not finish within 30000 ms',
    initMs: 30000,
    pluginConfig: { todo: { pageSize: 20 } },
    changedBy: 'user:default/ada',
    changedAt: '2026-12-01T10:00:00Z',
  },
];

export const catalog: CatalogListing[] = [
  {
    id: 'todo',
    title: 'Todo',
    description: 'Lists TODO comments',
    name: '@acme/plugin-todo',
    kind: 'frontend',
    source: 'npm',
    category: 'Quality',
    versions: [
      { version: '2.0.0', package: '@acme/plugin-todo@2.0.0', integrity: 'sha512-abc', backstageVersion: '1.55.0', sizeBytes: 20480 },
      { version: '1.0.0', package: '@acme/plugin-todo@1.0.0', integrity: 'sha512-old' },
    ],
    readme: '# Todo\n\nShows **todos**.\n\n<script>window.hacked = true</script><img src="x" onerror="window.hacked = true">',
    requiredConfig: ['todo.token'],
    environment: ['TODO_TOKEN'],
    defaultConfig: { dynamicPlugins: { frontend: { 'acme.plugin-todo': { dynamicRoutes: [{ path: '/todo' }] } } } },
    origin: 'catalog/index.yaml',
    compatibility: { compatible: true, reason: 'built against 1.55.0, host is 1.55.0' },
  },
  {
    id: 'kube',
    title: 'Kubernetes',
    description: 'Pods of your services',
    name: 'oci://registry.local/kube:1.0!kube',
    kind: 'backend',
    source: 'oci',
    category: 'Kubernetes',
    versions: [{ version: '1.0.0', package: `oci://registry.local/kube@sha256:${'a'.repeat(64)}!kube` }],
    origin: 'oci://registry.local/catalog-index:latest',
    compatibility: { compatible: false, reason: 'built against 1.40.0: backend-plugin-api 0.x differs' },
  },
];

/**
 * Config schemas by plugin key, as `GET /plugin-schema` serves them: two
 * schemas that merge at `todo`, one field of each kind the form edits, and
 * some it leaves to YAML. The portal-info plugin declares none.
 */
export const pluginSchemas: Record<string, Record<string, unknown>[]> = {
  '@acme/plugin-todo-backend': [
    {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: {
        todo: {
          type: 'object',
          description: 'The TODO plugin',
          required: ['pageSize'],
          properties: {
            pageSize: { type: 'integer', description: 'Items per page' },
            mode: { type: 'string', enum: ['strict', 'lenient'], description: 'How comments are matched' },
            showDone: { type: 'boolean', description: 'List finished items too' },
            token: { type: 'string', visibility: 'secret', description: 'API token of the TODO service' },
            tags: { type: 'array', items: { type: 'string' } },
            repos: { type: 'array', items: { type: 'object', properties: { url: { type: 'string' } } } },
          },
        },
      },
    },
    {
      type: 'object',
      properties: {
        todo: {
          type: 'object',
          properties: {
            backend: { type: 'object', properties: { baseUrl: { type: 'string', visibility: 'frontend', description: 'Where the TODO service runs' } } },
            labels: { type: 'object', additionalProperties: { type: 'string' } },
          },
        },
      },
    },
  ],
};

export const generations: GenerationSummary[] = [
  { id: 1, state: 'superseded', author: 'user:default/ada', createdAt: '2026-12-01T09:00:00Z', diff: [{ key: '@acme/plugin-todo-backend', change: 'added', to: '1.0.0' }] },
  { id: 3, state: 'failed', author: 'user:default/bob', createdAt: '2026-12-02T09:00:00Z', reason: 'integrity mismatch for @acme/x', diff: [{ key: '@acme/x', change: 'added' }] },
  { id: 2, state: 'serving', author: 'user:default/ada', createdAt: '2026-12-01T11:00:00Z', diff: [{ key: '@acme/plugin-todo-backend', change: 'version', from: '1.0.0', to: '1.1.0' }] },
];

/** An in-memory marketplace that keeps what is staged, with jest spies on every call. */
export function fakeMarketplace(options: { isAdmin?: boolean } = {}) {
  let pending: PendingChange[] = [];
  let nextId = 1;
  const api = {
    whoami: jest.fn(async () => ({ isAdmin: options.isAdmin ?? true, userEntityRef: 'user:default/ada' })),
    listPlugins: jest.fn(async () => ({ plugins, pending: [...pending] })),
    listCatalog: jest.fn(async (filter: CatalogFilter = {}) => ({
      entries: catalog.filter(
        e =>
          (!filter.q || `${e.title} ${e.name} ${e.description}`.toLowerCase().includes(filter.q.toLowerCase())) &&
          (!filter.kind || e.kind === filter.kind) &&
          (!filter.source || e.source === filter.source) &&
          (!filter.category || e.category === filter.category) &&
          (!filter.compatible || e.compatibility.compatible === true),
      ),
      errors: [],
    })),
    getCatalogEntry: jest.fn(async (id: string) => catalog.find(e => e.id === id)!),
    stageChange: jest.fn(async (change: ChangeRequest) => {
      const staged: PendingChange = { ...change, id: nextId++, key: change.package.replace(/(.)@.*$/, '$1'), author: 'user:default/ada', createdAt: '2026-12-05T00:00:00Z' };
      if (change.action === 'install' && !staged.integrity) staged.integrity = 'sha512-fetched';
      pending = [...pending, staged];
      return staged;
    }),
    listChanges: jest.fn(async () => pending),
    discardChange: jest.fn(async (id: number) => void (pending = pending.filter(c => c.id !== id))),
    apply: jest.fn(async () => ({ generation: 4 })),
    listGenerations: jest.fn(async () => generations),
    getGeneration: jest.fn(async (id: number): Promise<Generation> => ({ id, state: 'applying', author: 'user:default/ada', createdAt: '', diff: [], layer: [] })),
    rollback: jest.fn(async () => ({ generation: 5 })),
    effectiveYaml: jest.fn(async () => 'plugins: []\n'),
    pluginSchema: jest.fn(async (key: string) => ({ key, schemas: pluginSchemas[key] ?? [] })),
    listReplicas: jest.fn(async () => ({
      desired: 3,
      replicas: [
        { id: 'portal-a:7007', generation: 3, state: 'serving' as const, updatedAt: '2026-12-06T00:00:00Z' },
        { id: 'portal-b:7007', generation: 2, state: 'failed' as const, lastError: 'registry.example: connection refused', updatedAt: '2026-12-06T00:00:00Z' },
      ],
    })),
  } satisfies MarketplaceApi;
  return api;
}

export type FakeMarketplace = ReturnType<typeof fakeMarketplace>;

export const conflict = () => new MarketplaceError('an apply is running (generation 3); try again when it ends', 409, 'ConflictError');

/** A signals API the test pushes messages into. */
export function fakeSignals() {
  const listeners = new Map<string, Set<(message: any) => void>>();
  return {
    subscribe(channel: string, onMessage: (message: any) => void) {
      const set = listeners.get(channel) ?? new Set();
      set.add(onMessage);
      listeners.set(channel, set);
      return { unsubscribe: () => set.delete(onMessage) };
    },
    push(channel: string, message: object) {
      listeners.get(channel)?.forEach(listener => listener(message));
    },
  };
}

/** Renders `element` with the fake APIs, as the app would provide them. */
export function renderWith(element: ReactElement, apis: { marketplace: MarketplaceApi; signals?: ReturnType<typeof fakeSignals> }): RenderResult {
  const holder = {
    get<T>(ref: ApiRef<T>): T | undefined {
      if (ref.id === marketplaceApiRef.id) return apis.marketplace as T;
      if (ref.id === signalApiRef.id) return apis.signals as T | undefined;
      if (ref.id === configApiRef.id) return new ConfigReader({ backend: { baseUrl: 'http://localhost:7007' } }) as T;
      return undefined;
    },
  };
  const wrap = (el: ReactElement) => (
    <MemoryRouter future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <ApiHolderProvider holder={holder}>{el}</ApiHolderProvider>
    </MemoryRouter>
  );
  const result = render(wrap(element));
  return { ...result, rerender: (el: ReactNode) => result.rerender(wrap(el as ReactElement)) };
}
