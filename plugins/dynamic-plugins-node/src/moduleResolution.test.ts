import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageNameOf, withMovedExports } from './moduleResolution';
import { inRealNode } from './testing/inRealNode';

/** Writes `files` (path → content) under `dir`. */
function write(dir: string, files: Record<string, string>) {
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
}
const pkg = (name: string) => JSON.stringify({ name, version: '1.0.0', main: 'index.js' });
const says = (what: string) => `module.exports = { from: ${JSON.stringify(what)} };`;

describe('installDynamicPluginResolution', () => {
  let work: string;
  let root: string;
  let pluginDir: string;
  /** Script prelude: `host` requires as the host package does, `resolution` is installed, `set` names the plugin. */
  let prelude: string;

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'resolution-'));
    write(path.join(work, 'host'), {
      'package.json': pkg('host'),
      'node_modules/@backstage/shared-node/package.json': pkg('@backstage/shared-node'),
      'node_modules/@backstage/shared-node/index.js': says('host copy'),
      'node_modules/knex-like/package.json': pkg('knex-like'),
      'node_modules/knex-like/index.js': says('host knex'),
    });
    root = path.join(work, 'root');
    pluginDir = path.join(root, 'acme-plugin-a-dynamic');
    write(pluginDir, {
      'package.json': pkg('@acme/plugin-a'),
      'index.js': `module.exports = {
        shared: require('@backstage/shared-node').from,
        ownNode: require('@acme/plugin-a-node').from,
        onlyInPlugin: require('@backstage/only-in-plugin').from,
        hostOnly: require('knex-like').from,
      };`,
      'node_modules/@backstage/shared-node/package.json': pkg('@backstage/shared-node'),
      'node_modules/@backstage/shared-node/index.js': says('plugin copy'),
      'node_modules/@acme/plugin-a-node/package.json': pkg('@acme/plugin-a-node'),
      'node_modules/@acme/plugin-a-node/index.js': says('plugin -node copy'),
      'node_modules/@backstage/only-in-plugin/package.json': pkg('@backstage/only-in-plugin'),
      'node_modules/@backstage/only-in-plugin/index.js': says('plugin copy'),
    });
    prelude = `
      const path = require('node:path');
      const host = require('node:module').createRequire(${JSON.stringify(path.join(work, 'host', 'package.json'))});
      const root = ${JSON.stringify(root)};
      const pluginDir = ${JSON.stringify(pluginDir)};
      const set = { root, packages: new Map([['@acme/plugin-a', pluginDir]]) };
      const resolution = lib.installDynamicPluginResolution({ hostResolve: r => host.resolve(r) });
      const tryResolve = request => { try { return host.resolve(request); } catch (e) { return e.code; } };
    `;
  });

  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it("maps a plugin's own name to its folder, from anywhere (resolvePackagePath of its migrations)", () => {
    const result = inRealNode(`${prelude}
      const before = tryResolve('@acme/plugin-a/package.json');
      resolution.add(set);
      console.log(JSON.stringify({ before, manifest: tryResolve('@acme/plugin-a/package.json'), main: tryResolve('@acme/plugin-a') }));
    `);
    expect(result).toEqual({
      before: 'MODULE_NOT_FOUND',
      manifest: path.join(pluginDir, 'package.json'),
      main: path.join(pluginDir, 'index.js'),
    });
  });

  it("gives a plugin the host's @backstage packages, its own nested -node copies, and the host's other packages", () => {
    const result = inRealNode(`${prelude}
      resolution.add(set);
      console.log(JSON.stringify(host('@acme/plugin-a')));
    `);
    expect(result).toEqual({ shared: 'host copy', ownNode: 'plugin -node copy', onlyInPlugin: 'plugin copy', hostOnly: 'host knex' });
  });

  it('applies the plugin rules only to files inside a registered root', () => {
    write(path.join(work, 'elsewhere'), { 'x.js': "module.exports = require('knex-like');" });
    const result = inRealNode(`${prelude}
      resolution.add(set);
      let outcome;
      try { require(${JSON.stringify(path.join(work, 'elsewhere', 'x.js'))}); outcome = 'loaded'; } catch (e) { outcome = e.code; }
      console.log(JSON.stringify(outcome));
    `);
    expect(result).toBe('MODULE_NOT_FOUND');
  });

  it('forgets a removed set and restores Node on uninstall', () => {
    const result = inRealNode(`${prelude}
      const Module = require('node:module');
      const remove = resolution.add(set);
      const added = tryResolve('@acme/plugin-a/package.json');
      remove();
      const removed = tryResolve('@acme/plugin-a/package.json');
      resolution.add(set);
      const patched = Module._resolveFilename.name;
      resolution.uninstall();
      console.log(JSON.stringify({ added, removed, patched, restored: Module._resolveFilename.name, after: tryResolve('@acme/plugin-a/package.json') }));
    `);
    expect(result).toEqual({
      added: path.join(pluginDir, 'package.json'),
      removed: 'MODULE_NOT_FOUND',
      patched: 'resolveWithDynamicPlugins',
      restored: expect.not.stringMatching(/resolveWithDynamicPlugins/),
      after: 'MODULE_NOT_FOUND',
    });
  });

  it('lets the newest set win when two name the same package (a new generation of a plugin)', () => {
    const newer = path.join(work, 'root2', 'acme-plugin-a-dynamic');
    write(newer, { 'package.json': pkg('@acme/plugin-a'), 'index.js': says('v2') });
    const result = inRealNode(`${prelude}
      resolution.add(set);
      const removeNewer = resolution.add({ root: ${JSON.stringify(path.dirname(newer))}, packages: new Map([['@acme/plugin-a', ${JSON.stringify(newer)}]]) });
      const withNewer = tryResolve('@acme/plugin-a');
      removeNewer();
      console.log(JSON.stringify({ withNewer, after: tryResolve('@acme/plugin-a') }));
    `);
    expect(result).toEqual({ withNewer: path.join(newer, 'index.js'), after: path.join(pluginDir, 'index.js') });
  });

  describe('an @backstage package\'s /alpha entry (APIs that moved to the main entry)', () => {
    const entries = (name: string, files: Record<string, string>) => ({
      [`node_modules/${name}/package.json`]: JSON.stringify({
        name,
        version: '2.0.0',
        exports: { '.': './index.js', './alpha': './alpha.js', './package.json': './package.json' },
      }),
      ...Object.fromEntries(Object.entries(files).map(([file, content]) => [`node_modules/${name}/${file}`, content])),
    });

    beforeEach(() => {
      write(path.join(work, 'host'), {
        // 2.x: processingPoint moved from alpha to the main entry; `both` is in each.
        ...entries('@backstage/moving-node', {
          'index.js': `Object.defineProperty(exports, '__esModule', { value: true });
            exports.processingPoint = { id: 'processing' }; exports.both = 'main'; exports.default = 'main default';`,
          'alpha.js': `Object.defineProperty(exports, '__esModule', { value: true });
            exports.modelPoint = { id: 'model' }; exports.both = 'alpha';`,
        }),
        // Nothing moved: alpha is used as it is.
        ...entries('@backstage/still-node', { 'index.js': 'exports.a = 1;', 'alpha.js': 'exports.a = 2; exports.b = 3;' }),
      });
      write(pluginDir, {
        'old.js': `const alpha = require('@backstage/moving-node/alpha');
          const main = require('@backstage/moving-node');
          module.exports = {
            keys: Object.keys(alpha).sort(),
            sameProcessingPoint: alpha.processingPoint === main.processingPoint,
            modelPoint: alpha.modelPoint,
            both: alpha.both,
            hasDefault: 'default' in alpha,
            esModule: alpha.__esModule === true,
            again: require('@backstage/moving-node/alpha') === alpha,
            resolved: require.resolve('@backstage/moving-node/alpha'),
            still: require.resolve('@backstage/still-node/alpha'),
            stillKeys: Object.keys(require('@backstage/still-node/alpha')).sort(),
          };`,
      });
    });

    it('gives a plugin the alpha exports plus the names only the main entry has, alpha winning a name both have', () => {
      const result = inRealNode(`${prelude}
        resolution.add(set);
        console.log(JSON.stringify(require(path.join(pluginDir, 'old.js'))));
      `);
      const hostAlpha = path.join(work, 'host', 'node_modules', '@backstage', 'moving-node', 'alpha.js');
      expect(result).toEqual({
        keys: ['both', 'modelPoint', 'processingPoint'],
        // The host's own object, not a copy: extension points are matched by identity.
        sameProcessingPoint: true,
        modelPoint: { id: 'model' },
        both: 'alpha',
        hasDefault: false,
        esModule: true,
        again: true,
        resolved: expect.stringMatching(new RegExp(`^${hostAlpha.replace(/[.+]/g, '\\$&')}.+`)),
        still: path.join(work, 'host', 'node_modules', '@backstage', 'still-node', 'alpha.js'),
        stillKeys: ['a', 'b'],
      });
    });

    it("leaves the host's own requires of /alpha alone", () => {
      const result = inRealNode(`${prelude}
        resolution.add(set);
        require(path.join(pluginDir, 'old.js'));
        console.log(JSON.stringify(Object.keys(host('@backstage/moving-node/alpha')).sort()));
      `);
      expect(result).toEqual(['both', 'modelPoint']);
    });
  });

  it('keeps a later hook working when an earlier one is uninstalled', () => {
    const result = inRealNode(`${prelude}
      const second = lib.installDynamicPluginResolution({ hostResolve: r => host.resolve(r) });
      second.add(set);
      resolution.uninstall();
      console.log(JSON.stringify(tryResolve('@acme/plugin-a/package.json')));
    `);
    expect(result).toBe(path.join(pluginDir, 'package.json'));
  });
});

describe('packageNameOf', () => {
  it.each([
    ['@scope/name/sub/path.js', '@scope/name'],
    ['@scope/name', '@scope/name'],
    ['name/package.json', 'name'],
    ['name', 'name'],
  ])('%s is in package %s', (request, name) => expect(packageNameOf(request)).toBe(name));
});

describe('withMovedExports', () => {
  it('adds the names only the main entry has, reading through to the source modules', () => {
    const alpha: Record<string, unknown> = { a: 1, shared: 'alpha' };
    const main: Record<string, unknown> = { b: 2, shared: 'main', default: 'x' };
    const merged = withMovedExports(alpha, main)!;
    expect({ ...merged }).toEqual({ a: 1, shared: 'alpha', b: 2 });
    main.b = 3;
    expect(merged.b).toBe(3);
  });

  it('returns undefined when the main entry adds nothing', () => {
    expect(withMovedExports({ a: 1, b: 2 }, { a: 0, default: 'x' })).toBeUndefined();
  });
});
