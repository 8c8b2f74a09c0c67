/**
 * DevPortal's command line. `./devportal` forwards `plugins` and `plugin`
 * sub-commands here.
 */
import { createProgram } from './program';

createProgram()
  .parseAsync(process.argv)
  .catch((error: Error) => {
    process.stderr.write(`devportal: error: ${error.message}\n`);
    process.exit(1);
  });
