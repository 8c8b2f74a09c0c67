import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isFrontendRole } from '@devportal/plugin-dynamic-plugins-common';
import { exportFrontendPlugin } from '../export/exportFrontend';
import { exportBackendPlugin } from '../export/exportPlugin';
import { InstallError, readNpmSettings } from '@devportal/plugin-installer';

interface ExportCommandOptions {
  fromNpm?: string;
  out: string;
  json?: boolean;
}

/** `devportal plugin export [<package dir>] [--from-npm <spec>] [--out <dir>]` */
export async function exportCommand(packageDir: string | undefined, options: ExportCommandOptions) {
  const hostDir = path.dirname(require.resolve('backend/package.json'));
  const repoRoot = path.resolve(hostDir, '../..');
  const backstageRelease = JSON.parse(await fs.readFile(path.join(repoRoot, 'backstage.json'), 'utf8')).version;
  let source = path.resolve(packageDir ?? '.');
  let temp: string | undefined;
  try {
    if (options.fromNpm) {
      temp = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-export-'));
      source = path.join(temp, 'package');
      const pacote = await import('pacote').then(m => (m as any).default ?? m);
      // The published package is already built; scripts never run.
      await pacote.extract(options.fromNpm, source, { ...readNpmSettings(process.cwd()).options, ignoreScripts: true });
    }
    const role = JSON.parse(await fs.readFile(path.join(source, 'package.json'), 'utf8').catch(() => '{}')).backstage?.role;
    const exportPlugin = isFrontendRole(role) ? exportFrontendPlugin : exportBackendPlugin;
    const result = await exportPlugin({
      packageDir: source,
      outDir: path.resolve(options.out),
      hostDir,
      backstageRelease,
      log: options.json ? undefined : message => process.stderr.write(`  ${message}\n`),
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(result)}\n`);
    } else {
      process.stdout.write(
        `Exported ${result.name}@${result.version} to ${result.dir} (${(result.bytes / 1024 / 1024).toFixed(2)} MB; ` +
          `${result.bundled.length} bundled, ${result.fromHost.length} from the host)\n`,
      );
    }
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    process.stderr.write(`devportal: error: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    if (temp) await fs.rm(temp, { recursive: true, force: true });
  }
}
