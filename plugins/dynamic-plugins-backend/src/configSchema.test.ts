import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { checkPluginConfig } from './configSchema';
import { FrontendPlugins } from './frontendPlugins';
import { pluginSchemas } from './marketplace/validateConfig';
import { DynamicPluginStatusStore } from './status';

/** config.d.ts as many RHDH and VeeCode packages write it: an augmentation, no exported Config. */
const AUGMENTED = `declare module '@backstage/config' {
  interface Config {
    acme?: {
      /** @visibility frontend */
      proxyPath?: string;
    };
  }
}
export {};
`;

/** What RHDH's packaging writes to dist-scalprum/configSchema.json for AUGMENTED. */
const SCALPRUM_SCHEMA = {
  type: 'object',
  $schema: 'http://json-schema.org/draft-07/schema#',
  properties: {
    acme: { type: 'object', properties: { proxyPath: { type: 'string', visibility: 'frontend' } } },
  },
};

/** An RHDH-format package: dist-scalprum remote, config.d.ts as `configSchema`, optionally the JSON schema. */
function scalprumPackage(root: string, options: { jsonSchema?: unknown }) {
  const folder = 'acme-plugin-x';
  const dir = path.join(root, folder);
  fs.mkdirSync(path.join(dir, 'dist-scalprum'), { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: '@acme/plugin-x', version: '1.0.0', backstage: { role: 'frontend-plugin' }, configSchema: 'config.d.ts', files: ['config.d.ts'] }),
  );
  fs.writeFileSync(path.join(dir, 'config.d.ts'), AUGMENTED);
  fs.writeFileSync(
    path.join(dir, 'dist-scalprum', 'plugin-manifest.json'),
    JSON.stringify({ name: 'acme.plugin-x', version: '1.0.0', registrationMethod: 'callback', loadScripts: ['acme.plugin-x.js'] }),
  );
  fs.writeFileSync(path.join(dir, 'dist-scalprum', 'acme.plugin-x.js'), '/* remote */');
  if (options.jsonSchema !== undefined) {
    const text = typeof options.jsonSchema === 'string' ? options.jsonSchema : JSON.stringify(options.jsonSchema);
    fs.writeFileSync(path.join(dir, 'dist-scalprum', 'configSchema.json'), text);
  }
  return { dir, record: { key: '@acme/plugin-x', package: '@acme/plugin-x', folder, name: '@acme/plugin-x', version: '1.0.0', source: 'npm' as const, fingerprint: 'x' } };
}

function writeState(root: string, record: ReturnType<typeof scalprumPackage>['record']) {
  fs.writeFileSync(
    path.join(root, INSTALLER_STATE_FILE),
    JSON.stringify({ version: 1, files: [], inputs: '', offline: true, plugins: { [record.key]: record }, disabled: [], warnings: [] }),
  );
}

describe('config schemas of RHDH-format (dist-scalprum) packages', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-schema-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads dist-scalprum/configSchema.json instead of a config.d.ts that augments @backstage/config', async () => {
    const { dir } = scalprumPackage(root, { jsonSchema: SCALPRUM_SCHEMA });
    const ok = await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: '/acme/api' } }));
    expect(ok).toEqual({ schemas: [{ path: path.join(dir, 'dist-scalprum', 'configSchema.json'), value: SCALPRUM_SCHEMA }] });
    // The schema is applied: a wrong type is refused, naming the key.
    const bad = await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: { not: 'a string' } } }));
    expect(bad).toEqual({ problem: expect.stringMatching(/^invalid config: .*\/acme\/proxyPath/) });
  });

  it("gives the Plugins page's configure form the same schema", async () => {
    const { record } = scalprumPackage(root, { jsonSchema: SCALPRUM_SCHEMA });
    writeState(root, record);
    expect(await pluginSchemas(root, '@acme/plugin-x')).toEqual([SCALPRUM_SCHEMA]);
  });

  it('without that file the augmentation cannot be read: a problem by default, a warning when asked', async () => {
    const { dir } = scalprumPackage(root, {});
    expect(await checkPluginConfig(dir, new ConfigReader({}))).toEqual({
      problem: expect.stringMatching(/^its config schema cannot be read: .*does not export a Config type/),
    });
    expect(await checkPluginConfig(dir, new ConfigReader({}), { unreadableSchema: 'warning' })).toEqual({
      schemas: [],
      warning: expect.stringMatching(/^its config schema cannot be read: .*does not export a Config type; its config is not checked/),
    });
  });

  it('serves a frontend plugin whose schema cannot be read, logging a warning that names it', async () => {
    const { record } = scalprumPackage(root, { jsonSchema: '{ not json' });
    writeState(root, record);
    const status = new DynamicPluginStatusStore();
    const logger = mockServices.logger.mock();
    const plugins = new FrontendPlugins({ root, config: new ConfigReader({}), status, logger });
    expect((await plugins.current()).map(r => r.remote.packageName)).toEqual(['@acme/plugin-x']);
    expect(status.get('@acme/plugin-x')).toMatchObject({ state: 'loaded' });
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(/^Dynamic frontend plugin @acme\/plugin-x: its config schema cannot be read: dist-scalprum\/configSchema\.json is not JSON/),
    );
    expect(logger.error).not.toHaveBeenCalled();
  });
});
