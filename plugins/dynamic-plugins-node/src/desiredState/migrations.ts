import type { Knex } from 'knex';

/**
 * The marketplace's tables, as knex migrations defined in code rather than a
 * migrations folder: the backend is shipped as a bundle, and the CLI opens the
 * same database at start, so both must carry the migrations with them.
 */
interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

export const GENERATIONS_TABLE = 'devportal_generations';
export const CHANGES_TABLE = 'devportal_pending_changes';
export const APPLY_LOCK_TABLE = 'devportal_apply_lock';
export const REPLICAS_TABLE = 'devportal_replicas';
const MIGRATIONS_TABLE = 'devportal_dynamic_plugins_migrations';

const migrations: Migration[] = [
  {
    name: '20261205_marketplace',
    async up(knex) {
      await knex.schema.createTable(GENERATIONS_TABLE, table => {
        table.increments('id').primary();
        table.string('state', 16).notNullable();
        table.string('stage', 16).nullable();
        table.string('author', 255).notNullable();
        // ISO strings: the same text on SQLite and PostgreSQL, sortable.
        table.string('created_at', 32).notNullable();
        table.string('finished_at', 32).nullable();
        table.text('reason').nullable();
        table.integer('rollback_of').nullable();
        table.text('layer').notNullable();
        table.text('diff').notNullable();
      });
      await knex.schema.createTable(CHANGES_TABLE, table => {
        table.increments('id').primary();
        table.string('key', 512).notNullable();
        table.string('action', 16).notNullable();
        table.text('package').notNullable();
        table.string('integrity', 256).nullable();
        table.text('plugin_config').nullable();
        table.string('author', 255).notNullable();
        table.string('created_at', 32).notNullable();
      });
      // One row at most (id = 1): whoever inserts it runs the apply. A unique
      // key is the one lock SQLite and PostgreSQL (several replicas) agree on.
      await knex.schema.createTable(APPLY_LOCK_TABLE, table => {
        table.integer('id').primary();
        table.integer('generation').notNullable();
        table.string('holder', 255).notNullable();
        table.bigInteger('expires_at').notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable(APPLY_LOCK_TABLE);
      await knex.schema.dropTable(CHANGES_TABLE);
      await knex.schema.dropTable(GENERATIONS_TABLE);
    },
  },
  {
    name: '20261206_replicas',
    async up(knex) {
      // One row per portal process group (a replica), written by itself: the
      // replica view, and the way a replica that cannot apply reports it.
      await knex.schema.createTable(REPLICAS_TABLE, table => {
        table.string('id', 255).primary();
        table.integer('generation').nullable();
        table.integer('target').nullable();
        table.string('state', 16).notNullable();
        table.text('last_error').nullable();
        table.bigInteger('updated_at').notNullable();
      });
    },
    async down(knex) {
      await knex.schema.dropTable(REPLICAS_TABLE);
    },
  },
  {
    name: '20261206_change_role',
    async up(knex) {
      // The staged package's backstage.role: lets an apply tell, before it
      // installs anything, that it changes frontend plugins only.
      await knex.schema.alterTable(CHANGES_TABLE, table => {
        table.string('role', 64).nullable();
      });
    },
    async down(knex) {
      await knex.schema.alterTable(CHANGES_TABLE, table => {
        table.dropColumn('role');
      });
    },
  },
];

const source: Knex.MigrationSource<Migration> = {
  getMigrations: async () => migrations,
  getMigrationName: migration => migration.name,
  getMigration: async migration => migration,
};

/** Creates or updates the marketplace's tables. */
export async function migrateDesiredState(knex: Knex): Promise<void> {
  await knex.migrate.latest({ migrationSource: source, tableName: MIGRATIONS_TABLE });
}

/** Whether the tables exist: the CLI reads a database a backend has never started on as "no generations". */
export async function hasDesiredState(knex: Knex): Promise<boolean> {
  return knex.schema.hasTable(GENERATIONS_TABLE);
}
