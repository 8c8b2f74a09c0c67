import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockServices } from '@backstage/backend-test-utils';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { checkPluginConfig, loadPluginConfigSchema } from './configSchema';
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

/** A plain (non-RHDH) package folder: package.json as given, and any other files. */
function plainPackage(dir: string, pkg: object, files: Record<string, string> = {}) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** A JSON schema for `acme.proxyPath` of the given type. */
const proxyPathSchema = (type: 'string' | 'number') => ({
  type: 'object',
  properties: { acme: { type: 'object', properties: { proxyPath: { type, visibility: 'frontend' } } } },
});

describe('checkPluginConfig without a schema to check against', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-schema-none-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('passes a package that declares no schema with no schemas, as loading its schema would', async () => {
    const dir = plainPackage(path.join(root, 'acme-plugin-plain'), {
      name: '@acme/plugin-plain',
      version: '1.0.0',
      backstage: { role: 'frontend-plugin' },
      dependencies: { '@backstage/core-plugin-api': '^1.0.0' },
    });
    const config = new ConfigReader({ acme: { proxyPath: { any: 'thing' } }, app: { title: 'x' } });
    const checked = await checkPluginConfig(dir, config);
    expect(checked).toEqual({ schemas: [] });
    // What the full load (config-loader) makes of the same folder: no schemas, so nothing to refuse.
    const loaded = await loadPluginConfigSchema(dir);
    expect(loaded.serialize().schemas).toEqual([]);
    expect(() => loaded.process([{ data: config.get<JsonObject>(), context: 'app-config' }])).not.toThrow();
    expect(await checkPluginConfig(dir, config, { unreadableSchema: 'warning' })).toEqual({ schemas: [] });
  });

  it('still checks a package whose package.json names a JSON schema file, naming the key of a wrong value', async () => {
    const schema = proxyPathSchema('string');
    const dir = plainPackage(
      path.join(root, 'acme-plugin-json'),
      { name: '@acme/plugin-json', version: '1.0.0', configSchema: 'config.schema.json' },
      { 'config.schema.json': JSON.stringify(schema) },
    );
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: '/acme/api' } }))).toEqual({
      schemas: [expect.objectContaining({ value: schema })],
    });
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: { not: 'a string' } } }))).toEqual({
      problem: expect.stringMatching(/^invalid config: .*\/acme\/proxyPath/),
    });
  });

  it('still checks a package with an inline configSchema', async () => {
    const schema = proxyPathSchema('number');
    const dir = plainPackage(path.join(root, 'acme-plugin-inline'), { name: '@acme/plugin-inline', version: '1.0.0', configSchema: schema });
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: 8080 } }))).toEqual({
      schemas: [expect.objectContaining({ value: schema })],
    });
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: 'no' } }))).toEqual({
      problem: expect.stringMatching(/^invalid config: .*\/acme\/proxyPath/),
    });
  });

  it('still checks a package with only dist-scalprum/configSchema.json (no configSchema in package.json)', async () => {
    const schema = proxyPathSchema('string');
    const dir = plainPackage(
      path.join(root, 'acme-plugin-scalprum'),
      { name: '@acme/plugin-scalprum', version: '1.0.0' },
      { [path.join('dist-scalprum', 'configSchema.json')]: JSON.stringify(schema) },
    );
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: '/p' } }))).toEqual({
      schemas: [{ path: path.join(dir, 'dist-scalprum', 'configSchema.json'), value: schema }],
    });
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: ['/p'] } }))).toEqual({
      problem: expect.stringMatching(/^invalid config: .*\/acme\/proxyPath/),
    });
  });

  it('does not take a package.json that is not JSON for a package without a schema', async () => {
    const dir = path.join(root, 'acme-plugin-broken');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'package.json'), '{ "name": "@acme/plugin-broken", ');
    expect(await checkPluginConfig(dir, new ConfigReader({}))).toEqual({
      problem: expect.stringMatching(/^its config schema cannot be read: /),
    });
  });
});

describe('loadPluginConfigSchema keeps what it loaded per folder', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'config-schema-cache-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const packageOf = (dir: string, type: 'string' | 'number') =>
    plainPackage(
      dir,
      { name: '@acme/plugin-x', version: '1.0.0', configSchema: 'config.schema.json' },
      { 'config.schema.json': JSON.stringify(proxyPathSchema(type)) },
    );

  it('answers an unchanged folder with the same schema, loaded once', async () => {
    const dir = packageOf(path.join(root, 'acme-plugin-x'), 'string');
    const first = loadPluginConfigSchema(dir);
    expect(loadPluginConfigSchema(dir)).toBe(first);
    const schema = await first;
    expect(loadPluginConfigSchema(dir)).toBe(first);
    expect(await loadPluginConfigSchema(dir)).toBe(schema);
    expect(schema.serialize().schemas).toEqual([expect.objectContaining({ value: proxyPathSchema('string') })]);
  });

  it('loads a folder again once the installer moved a new one in at the same path', async () => {
    const dir = path.join(root, 'acme-plugin-x');
    packageOf(dir, 'string');
    const before = await loadPluginConfigSchema(dir);
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: '/api' } }))).toMatchObject({ schemas: [expect.anything()] });
    const inode = fs.statSync(path.join(dir, 'package.json')).ino;

    // As the installer does: the new version is staged beside it, the old one goes, the new one is renamed in.
    const staged = packageOf(path.join(root, '.staged-acme-plugin-x'), 'number');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(staged, dir);
    // Same package.json, a schema of the same size: only the new file's identity tells them apart.
    expect(fs.statSync(path.join(dir, 'package.json')).ino).not.toBe(inode);
    expect(fs.statSync(path.join(dir, 'config.schema.json')).size).toBe(JSON.stringify(proxyPathSchema('string')).length);

    const after = await loadPluginConfigSchema(dir);
    expect(after).not.toBe(before);
    expect(after.serialize().schemas).toEqual([expect.objectContaining({ value: proxyPathSchema('number') })]);
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: '/api' } }))).toEqual({
      problem: expect.stringMatching(/^invalid config: .*\/acme\/proxyPath/),
    });
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: 7007 } }))).toEqual({
      schemas: [expect.objectContaining({ value: proxyPathSchema('number') })],
    });
    expect(await loadPluginConfigSchema(dir)).toBe(after);
  });

  it('loads an RHDH folder again once it was removed and written anew with another schema', async () => {
    const dir = path.join(root, 'acme-plugin-r');
    const write = (schema: object) =>
      plainPackage(
        dir,
        { name: '@acme/plugin-r', version: '1.0.0' },
        { [path.join('dist-scalprum', 'configSchema.json')]: JSON.stringify(schema) },
      );
    write(proxyPathSchema('string'));
    const before = await loadPluginConfigSchema(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    const wider = { ...proxyPathSchema('number'), required: ['acme'] };
    write(wider);
    const after = await loadPluginConfigSchema(dir);
    expect(after).not.toBe(before);
    expect(after.serialize().schemas).toEqual([{ path: path.join(dir, 'dist-scalprum', 'configSchema.json'), value: wider }]);
    expect(await checkPluginConfig(dir, new ConfigReader({ acme: { proxyPath: 1 } }))).toEqual({
      schemas: [{ path: path.join(dir, 'dist-scalprum', 'configSchema.json'), value: wider }],
    });
  });

  it('does not keep a schema that could not be read: the next call tries again', async () => {
    const dir = plainPackage(
      path.join(root, 'acme-plugin-bad'),
      { name: '@acme/plugin-bad', version: '1.0.0' },
      { [path.join('dist-scalprum', 'configSchema.json')]: '{ not json' },
    );
    const first = loadPluginConfigSchema(dir);
    await expect(first).rejects.toThrow(/configSchema\.json is not JSON/);
    // Nothing in the folder changed, and yet it is read again.
    const second = loadPluginConfigSchema(dir);
    expect(second).not.toBe(first);
    await expect(second).rejects.toThrow(/configSchema\.json is not JSON/);
  });
});
