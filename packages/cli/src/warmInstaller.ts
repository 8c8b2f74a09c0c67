import { WARM_INSTALLER_ENV } from '@devportal/plugin-dynamic-plugins-common';

/** Whether this process was started as a warm installer (see WARM_INSTALLER_ENV). */
export function isWarmInstaller(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[WARM_INSTALLER_ENV] === '1';
}

/**
 * A warm installer's command line: the install's modules are loaded first,
 * while nothing waits, then the arguments are read as one JSON line from
 * `input`. Undefined when the input ends without a line: whoever started
 * this process does not need it any more.
 */
export async function warmArguments(
  input: NodeJS.ReadableStream = process.stdin,
  preload: () => Promise<unknown> = preloadInstall,
): Promise<string[] | undefined> {
  await preload();
  const line = await firstLine(input);
  if (line === undefined) return undefined;
  const args: unknown = JSON.parse(line);
  if (!Array.isArray(args) || !args.every(arg => typeof arg === 'string')) {
    throw new Error('a warm installer reads its arguments as a JSON array of strings');
  }
  return args;
}

async function preloadInstall(): Promise<void> {
  const [{ preloadInstaller }] = await Promise.all([
    import('@devportal/plugin-installer'),
    import('./commands/install'),
    // The install command's compatibility check reads the loader's rule from here.
    import('@devportal/plugin-dynamic-plugins-node'),
  ]);
  await preloadInstaller();
}

function firstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string | undefined) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', reject);
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const end = text.indexOf('\n');
      if (end >= 0) done(text.slice(0, end));
      // Arguments are a few hundred bytes; anything much longer is not them.
      else if (text.length > 1_000_000) reject(new Error('a warm installer got no argument line in its first megabyte of input'));
    };
    const onEnd = () => done(text.trim() === '' ? undefined : text);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', reject);
  });
}
