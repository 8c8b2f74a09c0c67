/**
 * DevPortal's command line. `./devportal` forwards `plugins` and `plugin`
 * sub-commands here.
 */
import { createProgram } from './program';
import { isWarmInstaller, warmArguments } from './warmInstaller';

async function main() {
  let argv = process.argv;
  if (isWarmInstaller()) {
    const args = await warmArguments();
    if (!args) return;
    argv = [process.argv[0], process.argv[1], ...args];
  }
  await createProgram().parseAsync(argv);
}

main().catch((error: Error) => {
  process.stderr.write(`devportal: error: ${error.message}\n`);
  process.exit(1);
});
