import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  type BackendOptions,
  getJson,
  repoRoot,
  signInAsGuest,
  startBackend,
  type StartedBackend,
} from '../support/backend.ts';
import { startPostgres } from '../support/postgres.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

/**
 * A community backend plugin with database migrations, as a platform team
 * would add it: bazaar-backend exported with `devportal plugin export
 * --from-npm` (by `./devportal test` set-up, see scripts/lib/test.sh),
 * published to a local npm registry, installed through dynamic-plugins.yaml
 * and loaded by the built backend, on SQLite and on PostgreSQL (its
 * migrations differ between the two). When its module is imported it
 * locates its migrations with
 * `resolvePackagePath('@backstage-community/plugin-bazaar-backend', 'migrations')`,
 * so it only starts if its own name resolves to its folder in the dynamic
 * plugins root.
 */
const fixtures =
  process.env.DEVPORTAL_THIRD_PARTY_DIR ??
  path.join(repoRoot, '.devportal/tools/third-party');
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const exported = path.join(
  fixtures,
  'exported',
  'backstage-community-plugin-bazaar-backend-dynamic',
);
const BAZAAR = '@backstage-community/plugin-bazaar-backend';

interface DatabaseSetUp {
  options: BackendOptions;
  /** The tables in the plugin's own database and the migrations recorded there as run. */
  schema(): Promise<{ tables: string[]; migrations: string[] }>;
  stop(): Promise<void>;
}

const databases: Array<{ name: string; setUp(): Promise<DatabaseSetUp> }> = [
  {
    name: 'SQLite',
    async setUp() {
      // app-config.yaml's SQLite keeps one file per plugin in <dataDir>/sqlite.
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-test-'));
      return {
        options: { dataDir },
        async schema() {
          const db = new Database(
            path.join(dataDir, 'sqlite', 'bazaar.sqlite'),
            { readonly: true, fileMustExist: true },
          );
          try {
            const tables = db
              .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
              .all() as Array<{ name: string }>;
            const migrations = db
              .prepare('SELECT name FROM knex_migrations')
              .all() as Array<{ name: string }>;
            return {
              tables: tables.map(t => t.name),
              migrations: migrations.map(m => m.name),
            };
          } finally {
            db.close();
          }
        },
        stop: async () => {},
      };
    },
  },
  {
    name: 'PostgreSQL',
    async setUp() {
      const server = await startPostgres();
      return {
        options: {
          // The production config, with the guest sign-in allowed again so
          // that the test can sign in (as in backend.test.ts).
          configFiles: ['app-config.production.yaml'],
          config: {
            auth: {
              environment: 'development',
              providers: {
                guest: { dangerouslyAllowOutsideDevelopment: true },
              },
            },
          },
          env: {
            POSTGRES_HOST: server.host,
            POSTGRES_PORT: String(server.port),
            POSTGRES_USER: server.user,
            POSTGRES_PASSWORD: server.password,
          },
        },
        async schema() {
          // pluginDivisionMode: database, so the plugin has a database of its own.
          const client = new pg.Client({
            host: server.host,
            port: server.port,
            user: server.user,
            password: server.password,
            database: 'backstage_plugin_bazaar',
          });
          await client.connect();
          try {
            const tables = await client.query(
              "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
            );
            const migrations = await client.query(
              'SELECT name FROM knex_migrations',
            );
            return {
              tables: tables.rows.map(t => t.name),
              migrations: migrations.rows.map(m => m.name),
            };
          } finally {
            await client.end();
          }
        },
        stop: () => server.stop(),
      };
    },
  },
];

describe('a third-party backend plugin with database migrations', () => {
  let npm: StartedVerdaccio;
  let version: string;
  const work = fs.mkdtempSync(
    path.join(os.tmpdir(), 'devportal-third-party-migrations-'),
  );
  const root = path.join(work, 'dynamic-plugins-root');

  before(async () => {
    npm = await startVerdaccio();
    // Published with our own `plugin publish --npm`, authenticated from .npmrc.
    fs.writeFileSync(
      path.join(work, '.npmrc'),
      `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`,
    );
    const published = JSON.parse(
      execFileSync(
        process.execPath,
        [cli, 'plugin', 'publish', '--npm', npm.url, '--json', exported],
        { cwd: work },
      ).toString(),
    );
    const bazaar = published.packages[0];
    version = bazaar.version;

    fs.writeFileSync(path.join(work, '.npmrc'), `registry=${npm.url}/\n`);
    fs.writeFileSync(
      path.join(work, 'dynamic-plugins.yaml'),
      [
        'plugins:',
        `  - package: "${BAZAAR}@${bazaar.version}"`,
        `    integrity: ${bazaar.integrity}`,
        '',
      ].join('\n'),
    );
    execFileSync(
      process.execPath,
      [
        cli,
        'plugins',
        'install',
        '--config',
        'dynamic-plugins.yaml',
        '--root',
        root,
      ],
      {
        cwd: work,
        env: { ...process.env, NPM_CONFIG_USERCONFIG: path.join(work, 'none') },
      },
    );
  });

  after(async () => {
    await npm?.stop();
  });

  for (const database of databases) {
    describe(`on ${database.name}`, () => {
      let db: DatabaseSetUp;
      let backend: StartedBackend;
      let token: string;
      let api: (
        route: string,
        init?: { method: string; body?: unknown },
      ) => Promise<any>;

      before(async () => {
        db = await database.setUp();
        backend = await startBackend({
          ...db.options,
          configFiles: [
            ...(db.options.configFiles ?? []),
            path.join(root, 'app-config.dynamic-plugins.yaml'),
          ],
          withBundledPlugins: false,
        });
        token = await signInAsGuest(backend.baseUrl);
        api = async (route, init) => {
          if (!init)
            return getJson(`${backend.baseUrl}/api/bazaar${route}`, token);
          const res = await fetch(`${backend.baseUrl}/api/bazaar${route}`, {
            method: init.method,
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'application/json',
            },
            body: JSON.stringify(init.body ?? {}),
          });
          if (!res.ok)
            throw new Error(
              `${init.method} ${route}: ${res.status} ${await res.text()}`,
            );
          return res.json();
        };
      });

      after(async () => {
        await backend?.stop();
        await db?.stop();
      });

      async function bazaarStatus() {
        const { plugins } = await getJson(
          `${backend.baseUrl}/api/dynamic-plugins/status`,
          token,
        );
        return plugins.find((p: any) => p.package === BAZAAR);
      }

      it('loads the exported plugin installed from npm', async () => {
        const bazaar = await bazaarStatus();
        assert.equal(bazaar?.state, 'loaded', JSON.stringify(bazaar));
        assert.equal(bazaar.source, 'npm');
        assert.equal(bazaar.version, version);
      });

      it('runs every migration it ships in its own database', async () => {
        const { folder } = await bazaarStatus();
        const shipped = fs.readdirSync(path.join(root, folder, 'migrations'));
        assert.equal(
          shipped.length,
          6,
          `bazaar-backend 0.27.0 ships 6 migrations: ${shipped.join(', ')}`,
        );
        const { tables, migrations } = await db.schema();
        assert.deepEqual([...migrations].sort(), [...shipped].sort());
        assert.ok(
          tables.includes('metadata') && tables.includes('members'),
          tables.join(', '),
        );
      });

      it('creates, lists and joins a project through its API', async () => {
        const title = `Dynamic plugins on ${database.name}`;
        assert.deepEqual(
          await api('/projects', {
            method: 'POST',
            body: {
              title,
              description: 'Load community plugins at run time',
              status: 'proposed',
              size: 'small',
              responsible: 'guest',
            },
          }),
          { status: 'ok' },
        );
        const listed = (await api('/projects')).data.find(
          (p: any) => p.title === title,
        );
        assert.ok(listed, 'the new project is listed');
        assert.equal(listed.size, 'small');
        assert.equal(Number(listed.members_count), 0);

        // Joining records the caller's entity ref, taken from the guest's token.
        await api(`/projects/${listed.id}/member/guest`, { method: 'PUT' });
        const { data: members } = await api(`/projects/${listed.id}/members`);
        assert.deepEqual(
          members.map((m: any) => [m.user_id, m.user_ref]),
          [['guest', 'user:default/guest']],
        );
        const joined = (await api('/projects')).data.find(
          (p: any) => p.id === listed.id,
        );
        assert.equal(Number(joined.members_count), 1);
      });
    });
  }
});
