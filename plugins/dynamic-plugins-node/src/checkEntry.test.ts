import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inRealNode } from './testing/inRealNode';

function plugin(dir: string, name: string, index: string) {
  fs.mkdirSync(path.join(dir, 'migrations'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js' }));
  fs.writeFileSync(path.join(dir, 'index.js'), index);
}

describe('checkBackendPackage', () => {
  let work: string;
  let check: (dir: string) => { features?: number; error?: string; notAFeature?: boolean };
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'check-entry-'));
    const hostPackageJson = path.join(work, 'host', 'package.json');
    fs.mkdirSync(path.dirname(hostPackageJson));
    fs.writeFileSync(hostPackageJson, '{"name":"host"}');
    check = dir =>
      inRealNode(`
        let result;
        try { result = { features: lib.checkBackendPackage(${JSON.stringify(dir)}, { hostPackageJson: ${JSON.stringify(hostPackageJson)} }) }; }
        catch (e) { result = { error: e.message, notAFeature: e instanceof lib.NotABackendFeatureError }; }
        console.log(JSON.stringify(result));
      `);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  it('loads a plugin that finds its own migrations through its own package name when imported', () => {
    const dir = path.join(work, 'acme-plugin-db-backend-dynamic');
    plugin(
      dir,
      '@acme/plugin-db-backend',
      `const path = require('node:path');
       const migrations = path.join(path.dirname(require.resolve('@acme/plugin-db-backend/package.json')), 'migrations');
       require('node:fs').readdirSync(migrations);
       exports.default = { $$type: '@backstage/BackendFeature' };`,
    );
    expect(check(dir)).toEqual({ features: 1 });
  });

  it('says when the package exports no feature, and passes on an import error', () => {
    const none = path.join(work, 'none');
    plugin(none, 'none', 'exports.default = 42;');
    expect(check(none)).toEqual({ error: expect.stringMatching(/does not export a BackendFeature/), notAFeature: true });
    const broken = path.join(work, 'broken');
    plugin(broken, 'broken', "require('no-such-package-anywhere');");
    expect(check(broken)).toEqual({ error: expect.stringMatching(/no-such-package-anywhere/), notAFeature: false });
  });
});
