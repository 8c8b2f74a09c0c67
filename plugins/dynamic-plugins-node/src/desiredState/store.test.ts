import knexFactory, { type Knex } from 'knex';
import { ApplyRunningError, DesiredStateStore } from './store';

/*
 * On a real SQLite database (better-sqlite3, in memory). PostgreSQL is
 * covered by e2e/integration/marketplace.test.ts.
 */
describe('DesiredStateStore', () => {
  let db: Knex;
  beforeEach(() => {
    db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
  });
  afterEach(() => db.destroy());

  const layer = [{ key: '@acme/a', package: '@acme/a@1.0.0', integrity: 'sha512-a' }];
  const begin = (store: DesiredStateStore, extra: Partial<Parameters<DesiredStateStore['beginGeneration']>[0]> = {}) =>
    store.beginGeneration({ author: 'user:default/jane', layer, diff: [], holder: 'test', lockMs: 60_000, ...extra });

  it('reads a database without its tables as no desired state, without creating them', async () => {
    expect(await DesiredStateStore.open(db)).toBeUndefined();
    expect(await db.schema.hasTable('devportal_generations')).toBe(false);
    await DesiredStateStore.create(db);
    expect(await (await DesiredStateStore.open(db))!.desiredGeneration()).toBeUndefined();
  });

  it('stages, lists and drops changes with their author and config', async () => {
    const store = await DesiredStateStore.create(db);
    const one = await store.addChange({ action: 'install', key: '@acme/a', package: '@acme/a@1.0.0', integrity: 'sha512-a', pluginConfig: { a: { b: 1 } } }, 'user:default/jane');
    await store.addChange({ action: 'disable', key: 'x', package: 'x' }, 'user:default/joe');
    expect(await store.listChanges()).toEqual([
      expect.objectContaining({ id: one.id, action: 'install', key: '@acme/a', integrity: 'sha512-a', pluginConfig: { a: { b: 1 } }, author: 'user:default/jane' }),
      expect.objectContaining({ action: 'disable', key: 'x', author: 'user:default/joe' }),
    ]);
    expect(await store.removeChange(one.id)).toBe(true);
    expect(await store.removeChange(one.id)).toBe(false);
    expect((await store.listChanges()).map(c => c.key)).toEqual(['x']);
  });

  it('runs one apply at a time: a second begin while the first holds the lock is refused', async () => {
    const store = await DesiredStateStore.create(db);
    const first = await begin(store);
    await expect(begin(store)).rejects.toThrow(ApplyRunningError);
    await expect(begin(store)).rejects.toThrow(`an apply is running (generation ${first.id})`);
    expect((await store.applying())!.id).toBe(first.id);
    await store.failGeneration(first.id, 'integrity mismatch for @acme/a');
    const second = await begin(store);
    expect(second.id).toBe(first.id + 1);
    expect(await store.getGeneration(first.id)).toMatchObject({ state: 'failed', reason: 'integrity mismatch for @acme/a' });
  });

  it('takes over the lock of an apply that died', async () => {
    const store = await DesiredStateStore.create(db);
    await begin(store, { lockMs: -1 });
    expect(await store.applying()).toBeUndefined();
    await expect(begin(store)).resolves.toMatchObject({ state: 'applying' });
  });

  it('serves a generation, supersedes the one before, and keeps the history newest first', async () => {
    const store = await DesiredStateStore.create(db);
    const first = await begin(store);
    await store.setStage(first.id, 'start');
    // Installed but not yet restarted: a start must install it.
    expect((await store.desiredGeneration())!.id).toBe(first.id);
    await store.serveGeneration(first.id);
    await store.serveGeneration(first.id); // idempotent: every replica may say so
    const second = await begin(store, { layer: [], rollbackOf: first.id });
    expect((await store.desiredGeneration())!.id).toBe(first.id); // not installed yet
    await store.setStage(second.id, 'start');
    await store.serveGeneration(second.id);
    const history = await store.listGenerations();
    expect(history.map(g => [g.id, g.state])).toEqual([[second.id, 'serving'], [first.id, 'superseded']]);
    expect(history[0]).toMatchObject({ rollbackOf: first.id, author: 'user:default/jane', stage: 'healthy' });
    expect((await store.getGeneration(first.id))!.layer).toEqual(layer);
    expect(await store.applying()).toBeUndefined();
  });

  it('never lets a failed generation become the desired one', async () => {
    const store = await DesiredStateStore.create(db);
    const first = await begin(store);
    await store.setStage(first.id, 'verify');
    await store.failGeneration(first.id, 'bad');
    expect(await store.desiredGeneration()).toBeUndefined();
    await store.serveGeneration(first.id);
    expect((await store.getGeneration(first.id))!.state).toBe('failed');
  });

  it('names the generation replicas follow (serving only) and who holds the apply lock', async () => {
    const store = await DesiredStateStore.create(db);
    const first = await begin(store, { holder: 'a:7007' });
    expect(await store.servingGeneration()).toBeUndefined();
    expect(await store.lockHolder()).toEqual({ generation: first.id, holder: 'a:7007', expired: false });
    await store.setStage(first.id, 'start');
    // Installed but not switched to yet: replicas do not follow it.
    expect(await store.servingGeneration()).toBeUndefined();
    await store.serveGeneration(first.id);
    expect((await store.servingGeneration())!.id).toBe(first.id);
    expect(await store.lockHolder()).toBeUndefined();
  });
});
