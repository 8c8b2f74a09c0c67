import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EXTENSION_MANIFEST } from '@devportal/plugin-dynamic-plugins-common';
import { writeExtensionManifest } from './extensionManifest';

const repoRoot = path.resolve(__dirname, '../../../..');
const fixtures = path.join(repoRoot, 'e2e/fixtures/frontend-plugins');

describe('writeExtensionManifest', () => {
  // Each case bundles a plugin with esbuild and evaluates it in a worker.
  jest.setTimeout(60_000);
  let outDir: string;
  let scratch: string;

  beforeEach(async () => {
    outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'extension-manifest-out-'));
    await fs.mkdir(path.join(outDir, 'dist'));
    scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'extension-manifest-src-'));
    await fs.symlink(path.join(repoRoot, 'node_modules'), path.join(scratch, 'node_modules'), 'dir');
  });

  afterEach(async () => {
    await fs.rm(outDir, { recursive: true, force: true });
    await fs.rm(scratch, { recursive: true, force: true });
  });

  async function writePlugin(source: string) {
    await fs.writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-plugin', main: 'src/index.tsx' }));
    await fs.mkdir(path.join(scratch, 'src'));
    await fs.writeFile(path.join(scratch, 'src/index.tsx'), source);
  }

  it("describes a plugin's extensions: ids, attachments, inputs, outputs and encoded values", async () => {
    const outcome = await writeExtensionManifest({ buildDir: path.join(fixtures, 'nfs-demo'), exposes: ['.'], outDir });
    expect(outcome).toEqual({ written: true, extensions: 3 });
    const manifest = JSON.parse(await fs.readFile(path.join(outDir, EXTENSION_MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ version: 1, module: '.', pluginId: 'nfs-demo', routes: { root: { params: [] } } });
    const byId = Object.fromEntries(manifest.extensions.map((e: { id: string }) => [e.id, e]));
    expect(Object.keys(byId)).toEqual(['api:nfs-demo', 'page:nfs-demo', 'page:nfs-demo/broken']);

    const page = byId['page:nfs-demo'];
    expect(page).toMatchObject({ kind: 'page', attachTo: { id: 'app/routes', input: 'routes' }, disabled: false, configurable: true });
    // A page's path and title config change its outputs; only the real code can apply them.
    expect(page.configAffects).toEqual(['path', 'title']);
    expect(page.inputs.pages.data).toContainEqual({ id: 'core.reactElement', optional: false });
    expect(page.values).toEqual([
      { id: 'core.routing.path', value: '/nfs-demo' },
      { id: 'core.reactElement', value: { $element: true } },
      { id: 'core.routing.ref', value: { $routeRef: 'routes.root' } },
      { id: 'core.title', value: 'NFS Demo' },
      { id: 'core.icon', value: { $html: '<span aria-hidden="true">★</span>' } },
    ]);
    expect(byId['api:nfs-demo'].values).toEqual([
      { id: 'core.api.factory', value: { $apiFactory: { api: 'plugin.nfs-demo.greeting', deps: {} } } },
    ]);
  });

  it("describes a legacy plugin's API factories by export name", async () => {
    const outcome = await writeExtensionManifest({ buildDir: path.join(fixtures, 'legacy-demo'), exposes: ['.'], outDir });
    expect(outcome).toEqual({ written: true, legacy: true, apiFactories: 1 });
    const manifest = JSON.parse(await fs.readFile(path.join(outDir, EXTENSION_MANIFEST), 'utf8'));
    expect(manifest).toEqual({
      version: 1,
      module: '.',
      feature: 'legacy',
      apiFactories: { legacyDemoApiFactory: { api: 'plugin.legacy-demo.motto', deps: {} } },
    });
  });

  it('writes nothing for a legacy plugin without API factories', async () => {
    await writePlugin(`
      import { createPlugin } from '@backstage/core-plugin-api';
      export const somePlugin = createPlugin({ id: 'some' });
    `);
    expect(await writeExtensionManifest({ buildDir: scratch, exposes: ['.'], outDir })).toEqual({ written: false, legacy: true });
    await expect(fs.access(path.join(outDir, EXTENSION_MANIFEST))).rejects.toThrow();
  });

  it("describes a module's extensions, named after the plugin it extends", async () => {
    await writePlugin(`
      import { createFrontendModule, PageBlueprint } from '@backstage/frontend-plugin-api';
      export default createFrontendModule({
        pluginId: 'catalog',
        extensions: [PageBlueprint.make({ name: 'extra', params: { path: '/catalog-extra', loader: async () => <div /> } })],
      });
    `);
    expect(await writeExtensionManifest({ buildDir: scratch, exposes: ['.'], outDir })).toEqual({ written: true, extensions: 1 });
    const manifest = JSON.parse(await fs.readFile(path.join(outDir, EXTENSION_MANIFEST), 'utf8'));
    expect(manifest).toMatchObject({ feature: 'module', pluginId: 'catalog' });
    expect(manifest.extensions[0]).toMatchObject({ id: 'page:catalog/extra', kind: 'page', name: 'extra' });
    expect(manifest.extensions[0].values[0]).toEqual({ id: 'core.routing.path', value: '/catalog-extra' });
  });

  it("describes a plugin whose package's other exports need a browser (only its default export is evaluated)", async () => {
    // Like Tech Radar: `sideEffects: false`, legacy components next to the plugin.
    await fs.writeFile(path.join(scratch, 'package.json'), JSON.stringify({ name: 'scratch-plugin', main: 'src/index.ts', sideEffects: false }));
    await fs.mkdir(path.join(scratch, 'src'));
    await fs.writeFile(path.join(scratch, 'src/legacy.ts'), `export const openedFrom = window.location.href;\n`);
    await fs.writeFile(
      path.join(scratch, 'src/plugin.tsx'),
      `import { createFrontendPlugin, PageBlueprint } from '@backstage/frontend-plugin-api';
       export default createFrontendPlugin({
         pluginId: 'scratch',
         extensions: [PageBlueprint.make({ params: { path: '/scratch', loader: async () => <div /> } })],
       });`,
    );
    await fs.writeFile(path.join(scratch, 'src/index.ts'), `export * from './legacy';\nexport { default } from './plugin';\n`);
    expect(await writeExtensionManifest({ buildDir: scratch, exposes: ['.'], outDir })).toEqual({ written: true, extensions: 1 });
  });

  it('writes nothing, with the reason, for a plugin whose outputs are not plain data', async () => {
    await writePlugin(`
      import { createExtension, createExtensionDataRef, createFrontendPlugin } from '@backstage/frontend-plugin-api';
      const callback = createExtensionDataRef<() => void>().with({ id: 'scratch.callback' });
      export default createFrontendPlugin({
        pluginId: 'scratch',
        extensions: [createExtension({ name: 'cb', attachTo: { id: 'app', input: 'root' }, output: [callback], factory: () => [callback(() => {})] })],
      });
    `);
    const outcome = await writeExtensionManifest({ buildDir: scratch, exposes: ['.'], outDir });
    expect(outcome).toEqual({ written: false, reason: 'scratch/cb output scratch.callback is a function' });
  });

  it('writes nothing, with the reason, for a module that cannot run in Node', async () => {
    await writePlugin(`
      window.localStorage.getItem('x');
      export default {};
    `);
    const outcome = await writeExtensionManifest({ buildDir: scratch, exposes: ['.'], outDir });
    expect(outcome).toMatchObject({ written: false, reason: expect.stringMatching(/threw when evaluated in Node: window is not defined/) });
  });
});
