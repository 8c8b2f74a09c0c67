import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfigSchema } from '@backstage/config-loader';
import { cachedFrontendSchema } from './frontendConfigCache';

const schemas = [
  {
    path: 'test',
    value: {
      type: 'object',
      properties: {
        app: { type: 'object', properties: { title: { type: 'string', visibility: 'frontend' } } },
        backend: {
          type: 'object',
          properties: {
            baseUrl: { type: 'string', visibility: 'frontend' },
            listen: { type: 'object', properties: { port: { type: 'number' } } },
          },
        },
        secretKey: { type: 'string', visibility: 'secret' },
      },
    },
  },
];
const configFor = (port: number, title = 'Portal') => [
  { context: 'app', data: { app: { title }, backend: { baseUrl: 'http://localhost:7007', listen: { port } }, secretKey: 'hunter2' } },
];
const frontend = { visibility: ['frontend' as const], withDeprecatedKeys: true };

describe('cachedFrontendSchema', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'frontend-config-cache-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const make = (cacheFile?: string) => {
    const compile = jest.fn(() => loadConfigSchema({ serialized: { backstageConfigSchemaVersion: 1, schemas } }));
    return { schema: cachedFrontendSchema({ schemas, compile, cacheFile }), compile };
  };

  it('answers what the compiled schema answers, with frontend-visible config only', async () => {
    const { schema } = make();
    const reference = (await loadConfigSchema({ serialized: { backstageConfigSchemaVersion: 1, schemas } })).process(configFor(7101), frontend);
    const answered = await schema.process(configFor(7101), frontend);
    expect(answered).toEqual(reference);
    expect(JSON.stringify(answered)).not.toContain('hunter2');
    expect(JSON.stringify(answered)).not.toContain('7101');
    expect(schema.serialize()).toEqual({ backstageConfigSchemaVersion: 1, schemas });
  });

  it('lets the next generation, on another port, read the answer without compiling; never stores a secret', async () => {
    const cacheFile = path.join(dir, 'config-schema.json.frontend-config.json');
    const first = make(cacheFile);
    const answer = await first.schema.process(configFor(7101), frontend);
    expect(first.compile).toHaveBeenCalledTimes(1);
    expect(fs.readFileSync(cacheFile, 'utf8')).not.toContain('hunter2');
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);

    const next = make(cacheFile);
    expect(await next.schema.process(configFor(7102), frontend)).toEqual(answer);
    expect(next.compile).not.toHaveBeenCalled();
  });

  it('compiles again for another config, other options or other schemas', async () => {
    const cacheFile = path.join(dir, 'cache.json');
    await make(cacheFile).schema.process(configFor(7101), frontend);

    const retitled = make(cacheFile);
    const answer = await retitled.schema.process(configFor(7101, 'Another portal'), frontend);
    expect(retitled.compile).toHaveBeenCalledTimes(1);
    expect(answer[0].data).toMatchObject({ app: { title: 'Another portal' } });

    const otherOptions = make(cacheFile);
    await otherOptions.schema.process(configFor(7101, 'Another portal'), { visibility: ['frontend', 'backend'] });
    expect(otherOptions.compile).toHaveBeenCalledTimes(1);

    const compile = jest.fn(() => loadConfigSchema({ serialized: { backstageConfigSchemaVersion: 1, schemas } }));
    const otherSchemas = cachedFrontendSchema({ schemas: [...schemas, { path: 'plugin', value: { type: 'object' } }], compile, cacheFile });
    await otherSchemas.process(configFor(7101, 'Another portal'), { visibility: ['frontend', 'backend'] });
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it('compiles when the kept answer cannot be read', async () => {
    const cacheFile = path.join(dir, 'cache.json');
    fs.writeFileSync(cacheFile, '{ not json');
    const { schema, compile } = make(cacheFile);
    expect((await schema.process(configFor(7101), frontend))[0].data).toMatchObject({ app: { title: 'Portal' } });
    expect(compile).toHaveBeenCalledTimes(1);
  });
});
