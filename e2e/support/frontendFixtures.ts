import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './backend.ts';

const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');

/**
 * Exports a frontend plugin fixture (e2e/fixtures/frontend-plugins/<name>)
 * with the real `devportal plugin export`: a module federation remote built
 * by backstage-cli. Returns the exported folder.
 */
export function exportFrontendFixture(name: string, outDir: string): string {
  const output = execFileSync(
    process.execPath,
    [cli, 'plugin', 'export', path.join(repoRoot, 'e2e/fixtures/frontend-plugins', name), '--out', outDir, '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(output.trim().split('\n').pop()!).dir;
}

/**
 * A folder for a test's dynamic-plugins.yaml holding the repository's own as
 * `bundled.yaml`, to include: its `./dynamic-plugins/dist/...` entries
 * resolve against this folder.
 */
export function pluginConfigDir(parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'config-'));
  fs.symlinkSync(path.join(repoRoot, 'dynamic-plugins'), path.join(dir, 'dynamic-plugins'), 'dir');
  fs.copyFileSync(path.join(repoRoot, 'dynamic-plugins.yaml'), path.join(dir, 'bundled.yaml'));
  return dir;
}

/** Runs the real installer on `configFile` into `root`; returns the config it wrote. */
export function installPlugins(configFile: string, root: string, options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', configFile, '--root', root], { stdio: 'pipe', ...options });
  return path.join(root, 'app-config.dynamic-plugins.yaml');
}
