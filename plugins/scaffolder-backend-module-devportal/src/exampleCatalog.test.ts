import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import catalogModuleScaffolderEntityModel from '@backstage/plugin-catalog-backend-module-scaffolder-entity-model';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import fs from 'node:fs';
import { AddressInfo } from 'node:net';
import path from 'node:path';
import yaml from 'yaml';
import { catalogModuleDevportalLocationTypes } from './catalogModule';
import { scaffolderModuleDevportal } from './module';

// The repository's example catalog and node-service template, loaded into the
// real catalog and scaffolder backends (SQLite in memory), the template run
// through the scaffolder's HTTP API. Nothing here uses the network.
const repoRoot = path.resolve(__dirname, '../../..');
const examples = path.join(repoRoot, 'catalog/examples');
const template = path.join(
  repoRoot,
  'catalog/templates/node-service/template.yaml',
);

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

async function poll<T>(
  fn: () => Promise<T | undefined>,
  what: string,
): Promise<T> {
  for (let i = 0; i < 120; i++) {
    const value = await fn();
    if (value !== undefined) {
      return value;
    }
    await sleep(500);
  }
  throw new Error(`Timed out waiting for ${what}`);
}

describe('the example catalog and the node-service template', () => {
  jest.setTimeout(120_000);
  const dir = createMockDirectory();
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let api: string;

  beforeAll(async () => {
    backend = await startTestBackend({
      features: [
        catalogPlugin,
        catalogModuleScaffolderEntityModel,
        catalogModuleDevportalLocationTypes,
        scaffolderPlugin,
        scaffolderModuleDevportal,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [
                {
                  allow: [
                    'Component',
                    'API',
                    'Resource',
                    'System',
                    'Domain',
                    'Location',
                  ],
                },
              ],
              locations: [
                { type: 'file', target: path.join(examples, 'entities.yaml') },
                {
                  type: 'file',
                  target: path.join(examples, 'org.yaml'),
                  rules: [{ allow: ['User', 'Group'] }],
                },
                {
                  type: 'file',
                  target: template,
                  rules: [{ allow: ['Template'] }],
                },
              ],
            },
            devportal: {
              scaffolder: {
                localPublish: { directory: dir.resolve('generated') },
              },
            },
          },
        }),
      ],
    });
    const { port } = backend.server.address() as AddressInfo;
    api = `http://localhost:${port}/api`;
  });

  afterAll(async () => {
    await backend?.stop();
  });

  async function getEntity(ref: string) {
    const [kind, name] = ref.split(':');
    return poll(async () => {
      const res = await fetch(
        `${api}/catalog/entities/by-name/${kind}/default/${name}`,
      );
      return res.ok ? res.json() : undefined;
    }, ref);
  }

  function relationsOf(entity: any) {
    return entity.relations.map((r: any) => `${r.type} ${r.targetRef}`);
  }

  it('ingests every example entity with its ownership, system and API relations', async () => {
    const expected = [
      'domain:commerce',
      'system:payments',
      'component:payments-service',
      'component:ledger-service',
      'component:fraud-check-worker',
      'component:checkout-web',
      'resource:payments-db',
      'api:payments-api',
      'api:ledger-api',
      'group:platform-admins',
      'group:team-payments',
      'group:team-web',
      'user:guest',
      'user:jane',
      'user:bob',
      'template:node-service',
    ];
    for (const ref of expected) {
      await getEntity(ref);
    }

    expect(relationsOf(await getEntity('component:payments-service'))).toEqual(
      expect.arrayContaining([
        'ownedBy group:default/team-payments',
        'partOf system:default/payments',
        'providesApi api:default/payments-api',
        'consumesApi api:default/ledger-api',
        'dependsOn component:default/ledger-service',
        'dependsOn resource:default/payments-db',
      ]),
    );
    expect(relationsOf(await getEntity('component:checkout-web'))).toEqual(
      expect.arrayContaining([
        'ownedBy group:default/team-web',
        'consumesApi api:default/payments-api',
        'dependsOn component:default/payments-service',
      ]),
    );
    expect(relationsOf(await getEntity('system:payments'))).toContain(
      'partOf domain:default/commerce',
    );
    expect(relationsOf(await getEntity('user:guest'))).toContain(
      'memberOf group:default/platform-admins',
    );
    expect((await getEntity('template:node-service')).spec.owner).toBe(
      'group:default/platform-admins',
    );
  });

  it('gives both documented components a TechDocs folder that holds an mkdocs.yml', async () => {
    for (const name of ['payments-service', 'checkout-web']) {
      const entity = await getEntity(`component:${name}`);
      const ref: string =
        entity.metadata.annotations['backstage.io/techdocs-ref'];
      expect(ref).toMatch(/^dir:/);
      const docsDir = path.resolve(examples, ref.slice('dir:'.length));
      expect(fs.existsSync(path.join(docsDir, 'mkdocs.yml'))).toBe(true);
      expect(fs.existsSync(path.join(docsDir, 'docs', 'index.md'))).toBe(true);
    }
  });

  it('runs the node-service template to completion and links to the registered component', async () => {
    const created = await fetch(`${api}/scaffolder/v2/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        templateRef: 'template:default/node-service',
        values: {
          name: 'invoice-service',
          description: 'Sends "invoices": and more',
          owner: 'group:default/team-web',
        },
      }),
    });
    expect(created.status).toBe(201);
    const { id } = await created.json();

    const task = await poll(async () => {
      const t = await fetch(`${api}/scaffolder/v2/tasks/${id}`).then(r =>
        r.json(),
      );
      return ['completed', 'failed', 'cancelled'].includes(t.status)
        ? t
        : undefined;
    }, 'the task to finish');
    const events = await fetch(`${api}/scaffolder/v2/tasks/${id}/events`).then(
      r => r.json(),
    );
    const completion = events.find((e: any) => e.type === 'completion');
    expect({ status: task.status, message: completion?.body.message }).toEqual({
      status: 'completed',
      message: 'Run completed with status: completed',
    });
    expect(completion.body.output.links).toEqual([
      {
        title: 'Open in catalog',
        icon: 'catalog',
        entityRef: 'component:default/invoice-service',
      },
    ]);

    const published = dir.resolve('generated', 'invoice-service');
    expect(fs.readdirSync(published).sort()).toEqual([
      'README.md',
      'catalog-info.yaml',
      'docs',
      'index.js',
      'mkdocs.yml',
      'package.json',
    ]);
    expect(
      JSON.parse(fs.readFileSync(path.join(published, 'package.json'), 'utf8')),
    ).toMatchObject({
      name: 'invoice-service',
      description: 'Sends "invoices": and more',
    });
    expect(
      yaml.parse(fs.readFileSync(path.join(published, 'mkdocs.yml'), 'utf8')),
    ).toMatchObject({ site_name: 'invoice-service' });

    const entity = await getEntity('component:invoice-service');
    expect(entity.spec.owner).toBe('group:default/team-web');
    expect(entity.metadata.description).toBe('Sends "invoices": and more');
    expect(entity.metadata.annotations).toMatchObject({
      'backstage.io/managed-by-location': `file:${fs.realpathSync(
        path.join(published, 'catalog-info.yaml'),
      )}`,
      'backstage.io/techdocs-ref': 'dir:.',
    });
  });
});
