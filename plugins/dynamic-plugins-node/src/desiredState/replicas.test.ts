import knexFactory, { type Knex } from 'knex';
import { ReplicaStore } from './replicas';
import { DesiredStateStore } from './store';

describe('ReplicaStore', () => {
  let db: Knex;
  beforeEach(async () => {
    db = knexFactory({ client: 'better-sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
    await DesiredStateStore.create(db);
  });
  afterEach(() => db.destroy());

  it('keeps one row per replica, the last report winning, and shows a silent one as gone', async () => {
    const replicas = new ReplicaStore(db);
    await replicas.report({ id: 'a:7007', generation: 3, state: 'applying', target: 4 }, 1_000);
    await replicas.report({ id: 'a:7007', generation: 4, state: 'serving' }, 2_000);
    await replicas.report({ id: 'b:7007', generation: 3, state: 'failed', lastError: 'registry down' }, 2_000);
    await replicas.report({ id: 'c:7007', generation: null, state: 'serving' }, 500);
    expect(await replicas.list(1_000, 2_500)).toEqual([
      { id: 'a:7007', generation: 4, state: 'serving', updatedAt: new Date(2_000).toISOString() },
      { id: 'b:7007', generation: 3, state: 'failed', lastError: 'registry down', updatedAt: new Date(2_000).toISOString() },
      { id: 'c:7007', generation: null, state: 'gone', updatedAt: new Date(500).toISOString() },
    ]);
    await replicas.forget(1_000, 2_500);
    expect((await replicas.list(1_000, 2_500)).map(r => r.id)).toEqual(['a:7007', 'b:7007']);
  });

  it('reports the target only while applying', async () => {
    const replicas = new ReplicaStore(db);
    await replicas.report({ id: 'a', generation: 1, state: 'applying', target: 2 }, 10);
    expect((await replicas.list(1_000, 20))[0].target).toBe(2);
  });
});
