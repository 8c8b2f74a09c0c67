import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { createConfigSecretEnumerator } from '@backstage/backend-defaults/rootConfig';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import { secretEnumerator, secretsSchema } from './rootLogger';

describe('secretsSchema', () => {
  jest.setTimeout(60_000);

  it('collects the schema once, caches it, and the cached one finds the same secrets', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-schema-cache-'));
    const cacheFile = path.join(dir, 'config-schema.json');
    const logger = WinstonLogger.create({ level: 'error' });
    const config = new ConfigReader({
      backend: { auth: { externalAccess: [{ type: 'static', options: { token: 'static-token-value', subject: 'ci' } }] } },
      app: { title: 'not a secret' },
    });
    try {
      const collected = await secretsSchema(cacheFile, logger);
      expect(fs.existsSync(cacheFile)).toBe(true);
      const cached = await secretsSchema(cacheFile, logger);
      const secretsOf = async (schema: typeof collected) => [...(await createConfigSecretEnumerator({ logger, schema }))(config)];
      expect(await secretsOf(collected)).toEqual(['static-token-value']);
      expect(await secretsOf(cached)).toEqual(['static-token-value']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('collects again when the cache file is not a schema, and says so', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-schema-cache-'));
    const cacheFile = path.join(dir, 'config-schema.json');
    fs.writeFileSync(cacheFile, '{ not json');
    const logger = WinstonLogger.create({ level: 'error' });
    const warn = jest.spyOn(logger, 'warn');
    try {
      const schema = await secretsSchema(cacheFile, logger);
      const count = (schema.serialize() as { schemas: unknown[] }).schemas.length;
      expect(count).toBeGreaterThan(10);
      expect(warn.mock.calls[0][0]).toMatch(/cannot be read; collecting it/);
      expect(JSON.parse(fs.readFileSync(cacheFile, 'utf8')).schemas.length).toBe(count);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('secretEnumerator', () => {
  jest.setTimeout(60_000);
  const data = (token: string) => ({
    backend: { auth: { externalAccess: [{ type: 'static', options: { token, subject: 'ci' } }] } },
    app: { title: 'not a secret' },
  });

  it("finds Backstage's secrets, and a later generation with the same config reads them at the cached paths without the schema", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-secret-paths-'));
    const cacheFile = path.join(dir, 'config-schema.json');
    const logger = WinstonLogger.create({ level: 'error' });
    try {
      const first = await secretEnumerator(cacheFile, logger)(data('static-token-value'));
      const backstage = (await createConfigSecretEnumerator({ logger, schema: await secretsSchema(cacheFile, logger) }))(new ConfigReader(data('static-token-value')));
      expect([...first]).toEqual([...backstage]);
      expect([...first]).toEqual(['static-token-value']);
      const stored = fs.readFileSync(`${cacheFile}.secret-paths.json`, 'utf8');
      // Paths only: the file never holds a secret.
      expect(stored).not.toContain('static-token-value');

      // A schema cache that cannot be read would be collected again, with a warning: the next generation does not get there.
      fs.writeFileSync(cacheFile, '{ not json');
      const warn = jest.spyOn(logger, 'warn');
      expect([...(await secretEnumerator(cacheFile, logger)(data('static-token-value')))]).toEqual(['static-token-value']);
      expect(warn).not.toHaveBeenCalled();
      // The next generation listens on a port of its own (the supervisor sets backend.listen): the same paths serve it.
      const onItsPort = { ...data('static-token-value'), backend: { ...data('static-token-value').backend, listen: { port: 7123, host: '127.0.0.1' } } };
      expect([...(await secretEnumerator(cacheFile, logger)(onItsPort))]).toEqual(['static-token-value']);
      expect(warn).not.toHaveBeenCalled();

      // Another config: enumerated with the schema (collected again here), its own secret found.
      expect([...(await secretEnumerator(cacheFile, logger)(data('rotated-token')))]).toEqual(['rotated-token']);
      expect(warn.mock.calls[0][0]).toMatch(/cannot be read; collecting it/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
