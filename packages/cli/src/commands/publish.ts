import { InstallError } from '../installer/errors';
import { publishOciImage } from '../publish/ociImage';

interface PublishCommandOptions {
  oci?: string;
  json?: boolean;
  insecureRegistry: string[];
}

/** `devportal plugin publish --oci <ref> <dir>...` */
export async function publishCommand(dirs: string[], options: PublishCommandOptions) {
  if (!options.oci) throw new Error('say where to publish: --oci oci://host/repo:tag');
  try {
    const result = await publishOciImage({ reference: options.oci, pluginDirs: dirs, insecureRegistries: options.insecureRegistry });
    process.stdout.write(
      options.json ? `${JSON.stringify(result)}\n` : `Published ${result.plugins.join(', ')} to ${options.oci} (${result.digest})\n`,
    );
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    process.stderr.write(`devportal: error: ${error.message}\n`);
    process.exitCode = 1;
  }
}
