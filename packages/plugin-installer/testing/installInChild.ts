import { spawn } from 'node:child_process';
import path from 'node:path';
import type { InstallOptions } from '../src/install';

/**
 * Runs `installPlugins` from this package's source in a child Node process
 * and reports its peak RSS (`process.resourceUsage().maxRSS`), for tests
 * that bound the installer's memory on one input: inside jest, the worker's
 * own heap and earlier tests would be counted too.
 *
 * The source is compiled on require by the same swc that jest uses
 * (@backstage/cli's), so the child runs what the tests see, not a dist
 * that may be stale.
 */
export interface ChildInstallResult {
  /** The outcome, or the error's name, code and message. */
  result?: { ok: boolean; plugins: Array<{ error?: { code: string; message: string } }> };
  error?: { name: string; code?: string; message: string };
  /** Peak resident set size of the child, in bytes. */
  maxRssBytes: number;
}

const swcPath = require.resolve('@swc/core', { paths: [path.dirname(require.resolve('@backstage/cli/package.json'))] });
const installSource = path.resolve(__dirname, '../src/install.ts');

// Plain CommonJS, passed with -e: registers .ts, runs one install, prints one JSON line.
const CHILD = `
const fs = require('node:fs');
const Module = require('node:module');
const swc = require(${JSON.stringify(swcPath)});
Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(fs.readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  module._compile(code, filename);
};
const options = JSON.parse(process.argv[1]);
const report = out => process.stdout.write(JSON.stringify({ ...out, maxRssBytes: process.resourceUsage().maxRSS * 1024 }) + '\\n');
require(${JSON.stringify(installSource)}).installPlugins(options).then(
  result => report({ result: { ok: result.ok, plugins: result.plugins.map(p => ({ error: p.error })) } }),
  error => report({ error: { name: error && error.name, code: error && error.code, message: String(error && error.message) } }),
);
`;

/** Options must be JSON (no `log`); `timeoutMs` kills the child and rejects. */
export function installInChild(options: Omit<InstallOptions, 'log'>, timeoutMs: number): Promise<ChildInstallResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', CHILD, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', chunk => (stdout += chunk));
    child.stderr.on('data', chunk => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the installer did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', code => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      try {
        resolve(JSON.parse(line ?? ''));
      } catch {
        reject(new Error(`the child exited ${code} without a result: ${stderr.slice(0, 2000)}`));
      }
    });
  });
}
