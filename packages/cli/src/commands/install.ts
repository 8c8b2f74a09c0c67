import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { writeFileAtomically } from '../lib/files';

export const DYNAMIC_PLUGINS_CONFIG_FILE = 'app-config.dynamic-plugins.yaml';

interface InstallOptions {
  config: string;
  root: string;
  json?: boolean;
}

/**
 * Prepares the dynamic plugins root for the backend.
 *
 * Downloading and verifying plugins is the installer's job (issue 4, not
 * built yet). Until then this writes the root's app-config with the root
 * folder only, and fails if the configuration asks for plugins it cannot
 * install, so nobody believes plugins were installed when they were not.
 */
export async function installCommand(options: InstallOptions) {
  const root = path.resolve(options.root);
  const configPath = path.resolve(options.config);
  const requested = await countEnabledPlugins(configPath);

  await fs.mkdir(root, { recursive: true });
  const appConfig = { dynamicPlugins: { rootDirectory: root } };
  await writeFileAtomically(path.join(root, DYNAMIC_PLUGINS_CONFIG_FILE), YAML.stringify(appConfig));

  const result = { root, config: configPath, requested, installed: 0 };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else if (requested > 0) {
    process.stderr.write(
      `devportal: ${requested} enabled plugin(s) in ${configPath}, but this build cannot download plugins yet\n`,
    );
  }
  if (requested > 0) process.exitCode = 1;
}

/** Counts enabled entries; a missing or empty file has none (as in RHDH). */
async function countEnabledPlugins(configPath: string): Promise<number> {
  let text: string;
  try {
    text = await fs.readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new Error(`${configPath}: ${doc.errors[0].message}`);
  }
  const plugins = (doc.toJS() ?? {}).plugins ?? [];
  if (!Array.isArray(plugins)) {
    throw new Error(`${configPath}: 'plugins' must be a list`);
  }
  return plugins.filter(p => p && p.disabled !== true && p.enabled !== false).length;
}
