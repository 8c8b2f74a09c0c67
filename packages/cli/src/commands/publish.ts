import { InstallError, publishNpmPackage, publishOciImage, readNpmSettings } from '@devportal/plugin-installer';

interface PublishCommandOptions {
  oci?: string;
  npm?: string;
  json?: boolean;
  insecureRegistry: string[];
  /** A PEM private key file: sign what is published (trust policy, docs/security.md). */
  sign?: string;
}

/**
 * `devportal plugin publish --oci <ref> <dir>...`: one image holding every plugin.
 * `devportal plugin publish --npm <registry> <dir>...`: one npm package per folder.
 */
export async function publishCommand(dirs: string[], options: PublishCommandOptions) {
  if (!options.oci === !options.npm) throw new Error('say where to publish: --oci oci://host/repo:tag or --npm <registry URL>');
  try {
    if (options.oci) {
      const result = await publishOciImage({
        reference: options.oci,
        pluginDirs: dirs,
        baseDir: process.cwd(),
        insecureRegistries: options.insecureRegistry,
        signingKeyFile: options.sign,
      });
      const signed = result.signature ? `, signed by key ${result.signature.keyid}` : '';
      process.stdout.write(
        options.json ? `${JSON.stringify(result)}\n` : `Published ${result.plugins.join(', ')} to ${options.oci} (${result.digest}${signed})\n`,
      );
      return;
    }
    const npm = readNpmSettings(process.cwd());
    const published = [];
    for (const dir of dirs) {
      const result = await publishNpmPackage({ dir, baseDir: process.cwd(), registry: options.npm!, npm, signingKeyFile: options.sign });
      published.push(result);
      const signed = result.keyid ? `, signed by key ${result.keyid}` : '';
      if (!options.json) process.stdout.write(`Published ${result.name}@${result.version} to ${options.npm} (integrity ${result.integrity}${signed})\n`);
    }
    if (options.json) process.stdout.write(`${JSON.stringify({ packages: published })}\n`);
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    process.stderr.write(`devportal: error: ${error.message}\n`);
    process.exitCode = 1;
  }
}
