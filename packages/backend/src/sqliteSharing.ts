/**
 * The embedded SQLite database, shared by two processes for a few seconds.
 *
 * A live apply starts a new backend generation beside the serving one
 * (docs/plugins/live-apply.md); both open the same SQLite files until the
 * old one stops. SQLite's defaults are made for one process: in rollback
 * journal mode a reader blocks a writer, and a transaction that starts
 * reading and then writes (`BEGIN` is deferred) fails at once with
 * SQLITE_BUSY when the other process wrote in between: waiting could
 * deadlock, so SQLite does not wait. Measured: a catalog location
 * registration answered 500, and the new generation's catalog failed its
 * startup, while the other process processed entities.
 *
 * So every connection of knex's better-sqlite3 client here uses WAL
 * (readers and the writer do not block each other; the setting is stored
 * in the file) with a busy timeout, and every transaction starts with
 * `BEGIN IMMEDIATE`, taking the write lock up front, which SQLite *does*
 * wait for. Transactions are short; serializing them costs little on an
 * embedded database. PostgreSQL is untouched.
 */

/** How long a statement waits for the other process's write lock before failing. */
const BUSY_TIMEOUT_MS = 30_000;

interface RawConnection {
  pragma(statement: string): unknown;
  memory?: boolean;
}

export function prepareSqliteForSharing(): void {
  // knex as Backstage's database service loads it, not some other copy.
  const from = { paths: [require.resolve('@backstage/backend-defaults')] };
  let BetterSqlite: { prototype: { acquireRawConnection(): Promise<RawConnection> } };
  let SqliteTransaction: { prototype: { begin(conn: unknown): unknown; query(conn: unknown, sql: string): unknown } };
  try {
    BetterSqlite = require(require.resolve('knex/lib/dialects/better-sqlite3', from));
    SqliteTransaction = require(require.resolve('knex/lib/dialects/sqlite3/execution/sqlite-transaction', from));
  } catch {
    // Another knex layout: the defaults stay (one process at a time is still fine).
    return;
  }
  const acquire = BetterSqlite.prototype.acquireRawConnection;
  BetterSqlite.prototype.acquireRawConnection = async function acquireShared(this: unknown) {
    const db = await acquire.call(this);
    if (!db.memory) {
      try {
        db.pragma('journal_mode = WAL');
      } catch {
        // The other process is switching it right now; it is stored in the file either way.
      }
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
    return db;
  };
  SqliteTransaction.prototype.begin = function beginImmediate(this: { query(conn: unknown, sql: string): unknown }, conn: unknown) {
    return this.query(conn, 'BEGIN IMMEDIATE;');
  };
}
