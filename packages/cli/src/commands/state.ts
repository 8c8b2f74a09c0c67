import fs from 'node:fs';
import path from 'node:path';
import { renderEffectiveConfig } from '@devportal/plugin-installer';
import { withDesiredState } from '../desiredState';

interface StateCommandOptions {
  config: string;
  appConfig: string[];
  generation?: string;
}

/** The files `./devportal start` gives the backend, when run from the repository: its database settings. */
function startConfigFiles(): string[] {
  return ['app-config.yaml', '.devportal/app-config.runtime.yaml', 'app-config.local.yaml'].filter(file => fs.existsSync(file));
}

/**
 * `devportal plugins state`: dynamic-plugins.yaml with the marketplace
 * layer folded in, on stdout, ready to commit back to Git. The generation is
 * the one a start would install, or the one asked for.
 */
export async function stateCommand(options: StateCommandOptions) {
  const appConfig = options.appConfig.length > 0 ? options.appConfig : startConfigFiles();
  if (appConfig.length === 0) {
    throw new Error('give the portal\'s app-config files with --app-config (the database holding the marketplace layer is configured there)');
  }
  const text = await withDesiredState(appConfig, async store => {
    const id = options.generation === undefined ? undefined : Number(options.generation);
    if (id !== undefined && !(Number.isInteger(id) && id > 0)) throw new Error(`--generation must be a generation number, not '${options.generation}'`);
    const generation = id === undefined ? await store?.desiredGeneration() : await store?.getGeneration(id);
    if (id !== undefined && !generation) throw new Error(`there is no generation ${id}`);
    const header = generation
      ? `# dynamic-plugins.yaml with marketplace generation ${generation.id} (${generation.state}, by ${generation.author}) folded in\n`
      : '# dynamic-plugins.yaml: no marketplace generation has been applied\n';
    return header + (await renderEffectiveConfig(path.resolve(options.config), generation?.layer ?? []));
  });
  process.stdout.write(text);
}
