import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BackendOptions, getJson, signInAsGuest, startBackend, type StartedBackend } from '../support/backend.ts';
import { waitFor } from '../support/ports.ts';
import { startPostgres, type StartedPostgres } from '../support/postgres.ts';

/**
 * The same checks against the embedded SQLite default and PostgreSQL 15:
 * the built backend starts, a guest signs in through the real auth endpoint
 * and uses the catalog, search and TechDocs with that token.
 */
interface DatabaseSetUp {
  options: BackendOptions;
  stop(): Promise<void>;
}

const databases: Array<{ name: string; setUp(): Promise<DatabaseSetUp> }> = [
  { name: 'SQLite', setUp: async () => ({ options: {}, stop: async () => {} }) },
  {
    name: 'PostgreSQL',
    async setUp() {
      const pg: StartedPostgres = await startPostgres();
      return {
        options: {
          // The production config, as a platform team runs it; only the guest
          // sign-in is allowed again so that the test can sign in.
          configFiles: ['app-config.production.yaml'],
          config: { auth: { environment: 'development', providers: { guest: { dangerouslyAllowOutsideDevelopment: true } } } },
          env: {
            POSTGRES_HOST: pg.host,
            POSTGRES_PORT: String(pg.port),
            POSTGRES_USER: pg.user,
            POSTGRES_PASSWORD: pg.password,
          },
        },
        stop: () => pg.stop(),
      };
    },
  },
];

for (const database of databases) {
  describe(`backend on ${database.name}`, () => {
    let backend: StartedBackend;
    let teardown: () => Promise<void>;
    let token: string;

    before(async () => {
      const db = await database.setUp();
      teardown = db.stop;
      // Catalog statistics are counted every 6 s instead of every 5 minutes: on
      // a busy machine the first count (5 s after start) can come before the
      // catalog has ingested the examples.
      backend = await startBackend({ ...db.options, config: { ...db.options.config, portalInfo: { statsIntervalMinutes: 0.1 } } });
    });

    after(async () => {
      await backend?.stop();
      await teardown?.();
    });

    it('reports ready on the readiness endpoint', async () => {
      const res = await fetch(`${backend.baseUrl}/.backstage/health/v1/readiness`);
      assert.equal(res.status, 200);
    });

    it('uses the search engine that fits the database', () => {
      // The Postgres engine skips itself, with this warning, on anything but pg.
      const skipped = /Postgres search engine is not supported/.test(backend.logs());
      assert.equal(skipped, database.name !== 'PostgreSQL');
    });

    it('signs in the guest as the configured user entity', async () => {
      token = await signInAsGuest(backend.baseUrl);
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      assert.equal(claims.sub, 'user:default/guest');
    });

    it('refuses catalog requests without a token', async () => {
      const res = await fetch(`${backend.baseUrl}/api/catalog/entities`);
      assert.equal(res.status, 401);
    });

    it('lists the example components and APIs with the guest token', async () => {
      const entities = await waitFor('example entities in the catalog', async () => {
        const list = await getJson<any[]>(
          `${backend.baseUrl}/api/catalog/entities?filter=kind=component,kind=api`,
          token,
        );
        return list.length >= 6 ? list : undefined;
      });
      const kinds = new Set(entities.map(e => e.kind));
      assert.ok(kinds.has('Component') && kinds.has('API'), `kinds: ${[...kinds]}`);
    });

    it('loads the bundled dynamic plugins: portal-info serves links from dynamic-plugins.yaml and counts the catalog', async () => {
      const { links } = await getJson(`${backend.baseUrl}/api/portal-info/links`, token);
      assert.ok(links.some((l: any) => l.url === '/catalog'), JSON.stringify(links));
      const stats = await waitFor(
        'catalog statistics from the scheduled task',
        async () => {
          const body = await getJson(`${backend.baseUrl}/api/portal-info/stats`, token);
          return body.byKind.Component >= 4 ? body : undefined;
        },
        60_000,
        1000,
      );
      assert.ok(stats.byKind.API >= 2);
    });

    it('runs the bundled catalog module: entities with TechDocs get a Documentation link', async () => {
      const entity = await waitFor('the processed entity', async () => {
        const e = await getJson(`${backend.baseUrl}/api/catalog/entities/by-name/component/default/payments-service`, token);
        return e.metadata.links?.some((l: any) => l.title === 'Documentation') ? e : undefined;
      });
      assert.ok(entity.metadata.links.some((l: any) => l.url === `${backend.baseUrl}/docs/default/component/payments-service`));
    });

    it('lists the bundled scaffolder module actions', async () => {
      const actions = await getJson<any[]>(`${backend.baseUrl}/api/scaffolder/v2/actions`, token);
      const ids = actions.map(a => a.id);
      assert.ok(ids.includes('devportal:publish:local') && ids.includes('devportal:catalog:register-file'), ids.join(', '));
    });

    it('finds catalog entities through search', async () => {
      const results = await waitFor(
        'search results',
        async () => {
          const body = await getJson(`${backend.baseUrl}/api/search/query?term=payments`, token);
          return body.results.length > 0 ? body.results : undefined;
        },
        120_000,
        2000,
      );
      assert.ok(results.some((r: any) => r.type === 'software-catalog'));
    });

    it('builds and serves a TechDocs page of an example component', async () => {
      const entity = await waitFor('a component with TechDocs', async () => {
        const list = await getJson<any[]>(`${backend.baseUrl}/api/catalog/entities?filter=kind=component`, token);
        return list.find(e => e.metadata.annotations?.['backstage.io/techdocs-ref']);
      });
      const ref = `default/component/${entity.metadata.name}`;
      // Generation runs on the first sync request (Debian's mkdocs, no network).
      const sync = await fetch(`${backend.baseUrl}/api/techdocs/sync/${ref}`, {
        headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      });
      const events = await sync.text();
      assert.match(events, /event: finish/, events);
      const page = await fetch(`${backend.baseUrl}/api/techdocs/static/docs/${ref}/index.html`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<html/i);
      assert.match(html, /<h1/i);
    });
  });
}
