import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { repoRoot } from '../support/backend.ts';
import { startVerdaccio, type StartedVerdaccio } from '../support/verdaccio.ts';

const run = promisify(execFile);
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');

/**
 * `devportal plugin export` of a backend plugin whose private dependency the
 * registry does not have (a partial mirror lacking a community `-common`
 * package): the error names the package, its range and the registry asked,
 * and never the token npm was given for it.
 */
describe('plugin export with a private dependency missing from the registry', () => {
  let npm: StartedVerdaccio;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-export-missing-'));

  before(async () => {
    npm = await startVerdaccio();
  });
  after(async () => {
    await npm?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('fails naming @acme/plugin-x-common@^1.2.0 and the registry, without the token', async () => {
    const pkgDir = path.join(work, 'plugin-x-backend');
    fs.mkdirSync(path.join(pkgDir, 'dist'), { recursive: true });
    fs.writeFileSync(
      path.join(pkgDir, 'package.json'),
      JSON.stringify({
        name: '@acme/plugin-x-backend',
        version: '1.0.0',
        main: 'dist/index.cjs.js',
        backstage: { role: 'backend-plugin' },
        dependencies: { '@acme/plugin-x-common': '^1.2.0' },
      }),
    );
    fs.writeFileSync(path.join(pkgDir, 'dist/index.cjs.js'), 'module.exports = {};\n');
    // npm is pointed at verdaccio only, with a token, as a user's .npmrc would.
    const npmrc = path.join(work, 'npmrc');
    fs.writeFileSync(npmrc, `registry=${npm.url}/\n//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
    const env = { ...process.env, NPM_CONFIG_USERCONFIG: npmrc, NPM_CONFIG_REGISTRY: `${npm.url}/` };

    const failed = await run(process.execPath, [cli, 'plugin', 'export', pkgDir, '--out', path.join(work, 'out')], { cwd: work, env }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    assert.ok(failed, 'the export fails');
    const output = `${failed.stdout}\n${failed.stderr}`;
    assert.match(
      output,
      new RegExp(`@acme/plugin-x-common@\\^1\\.2\\.0 is not in the registry ${npm.url.replace(/[.]/g, '\\.')}/ \\(a dependency of the plugin; npm E404\\)`),
    );
    assert.ok(!output.includes(npm.token), 'the token is never printed');
  });
});
