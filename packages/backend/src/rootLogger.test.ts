import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { createConfigSecretEnumerator } from '@backstage/backend-defaults/rootConfig';
import { WinstonLogger } from '@backstage/backend-defaults/rootLogger';
import { secretsSchema } from './rootLogger';

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
