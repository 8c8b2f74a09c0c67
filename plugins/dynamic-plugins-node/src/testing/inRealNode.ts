import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let bundle: string | undefined;

/**
 * Runs `script` in a plain Node process with this package's source bundled
 * as `lib` (`const lib = require(<bundle>)` is prepended), and returns what
 * the script printed as JSON.
 *
 * Why: Jest replaces Node's `module` with its own registry, so a hook on
 * `Module._resolveFilename` cannot be observed inside a Jest test; the
 * resolution rules are what is under test, so they run in real Node.
 */
export function inRealNode(script: string): any {
  if (!bundle) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dynamic-plugins-node-'));
    const outfile = path.join(dir, 'lib.cjs');
    // esbuild is loaded here, not at the top: only these tests need it.
    const esbuild = require('esbuild') as typeof import('esbuild');
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, '..', 'index.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      // The contract package's source, whether or not it was built.
      alias: { '@devportal/plugin-dynamic-plugins-common': require.resolve('@devportal/plugin-dynamic-plugins-common/src/index.ts') },
      // Backstage's packages resolve from the repository (NODE_PATH below).
      external: ['@backstage/*'],
      logLevel: 'silent',
    });
    bundle = outfile;
  }
  const output = execFileSync(process.execPath, ['-e', `const lib = require(${JSON.stringify(bundle)});\n${script}`], {
    cwd: path.join(__dirname, '..', '..'),
    env: { ...process.env, NODE_PATH: path.resolve(require.resolve('@backstage/backend-plugin-api/package.json'), '../../..') },
    encoding: 'utf8',
  });
  return JSON.parse(output);
}
