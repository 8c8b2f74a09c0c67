import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { createConfigValidator, pluginSchemas } from './validateConfig';

describe('createConfigValidator', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-validate-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  beforeAll(() => {
    const folder = path.join(root, 'acme-plugin-x');
    fs.mkdirSync(folder);
    fs.writeFileSync(
      path.join(folder, 'package.json'),
      JSON.stringify({ name: '@acme/plugin-x', version: '1.0.0', configSchema: 'schema.json' }),
    );
    fs.writeFileSync(
      path.join(folder, 'schema.json'),
      JSON.stringify({
        type: 'object',
        properties: {
          acme: {
            type: 'object',
            properties: {
              endpoints: { type: 'array', items: { type: 'string' } },
              token: { type: 'string', visibility: 'secret' },
            },
          },
        },
      }),
    );
    const record = { key: '@acme/plugin-x', package: '@acme/plugin-x@1.0.0', folder: 'acme-plugin-x', name: '@acme/plugin-x', version: '1.0.0', source: 'npm', fingerprint: 'f' };
    fs.writeFileSync(
      path.join(root, INSTALLER_STATE_FILE),
      JSON.stringify({ version: 1, files: [], inputs: '', offline: true, plugins: { '@acme/plugin-x': record }, disabled: [], warnings: [] }),
    );
  });
  const validate = createConfigValidator({ root, config: new ConfigReader({ app: { title: 'x' } }) });

  it('names the key a value violates, against the installed plugin schema', async () => {
    expect(await validate('@acme/plugin-x', { acme: { endpoints: 'one' } }, '@acme/plugin-x')).toMatch(
      /^@acme\/plugin-x: pluginConfig is invalid: .*\/acme\/endpoints/,
    );
  });

  it('refuses a secret written as text and accepts an environment reference', async () => {
    expect(await validate('@acme/plugin-x', { acme: { token: 'hunter2' } }, '@acme/plugin-x')).toMatch(/pluginConfig acme\.token is a secret/);
    expect(await validate('@acme/plugin-x', { acme: { token: '${ACME_TOKEN}', endpoints: ['a'] } }, '@acme/plugin-x')).toBeUndefined();
  });

  it('lets a plugin that is not installed yet through (the loader checks it at start)', async () => {
    expect(await validate('@acme/other', { anything: 1 }, '@acme/other@1.0.0')).toBeUndefined();
  });

  it('serves the installed plugin\'s schema for the Configure form', async () => {
    const [schema] = await pluginSchemas(root, '@acme/plugin-x');
    expect((schema as any).properties.acme.properties.token.visibility).toBe('secret');
    expect(await pluginSchemas(root, '@acme/other')).toEqual([]);
  });
});
