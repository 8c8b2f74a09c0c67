import { HOLD_START_ENV, isSupervisorToBackend } from '@devportal/plugin-dynamic-plugins-common';

/**
 * Runs `start` now, or, in a backend the supervisor started ahead of need
 * (HOLD_START_ENV, docs/plugins/live-apply.md), once the supervisor says
 * `devportal:start`. By then this module's imports, and the compiled-in
 * plugins' modules (`backend.add(import(…))` starts loading them at once),
 * are loaded: that part of a start overlaps the install of the generation.
 *
 * Nothing of the backend reads its config or the plugins root before
 * `backend.start()`, so the config files the supervisor sends are appended
 * to the command line here, where Backstage's config loader reads them.
 */
export function startWhenReleased(start: () => Promise<unknown>): Promise<unknown> {
  if (process.env[HOLD_START_ENV] !== '1' || typeof process.send !== 'function') return start();
  return new Promise<unknown>((resolve, reject) => {
    const onMessage = (message: unknown) => {
      if (!isSupervisorToBackend(message) || message.type !== 'devportal:start') return;
      release();
      for (const file of message.configs) {
        if (!hasConfigArg(process.argv, file)) process.argv.push('--config', file);
      }
      start().then(resolve, reject);
    };
    // Held and no longer wanted: nothing has started, so nothing needs a graceful stop.
    const onStop = () => {
      release();
      process.exit(0);
    };
    const release = () => {
      process.off('message', onMessage);
      process.off('disconnect', onStop);
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
    };
    process.on('message', onMessage);
    process.once('disconnect', onStop);
    process.once('SIGTERM', onStop);
    process.once('SIGINT', onStop);
  });
}

function hasConfigArg(argv: string[], file: string): boolean {
  return argv.some((arg, i) => (arg === '--config' && argv[i + 1] === file) || arg === `--config=${file}`);
}
