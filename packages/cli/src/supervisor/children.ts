import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/** How a child ended, as a shell reports it: the exit code, or 128 + the signal number. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal ? constants.signals[signal] : undefined;
  return number ? 128 + number : 1;
}

export interface Started {
  child: ChildProcess;
  /** Resolves with `exitStatus` once the child has exited; never rejects. */
  exited: Promise<number>;
}

/**
 * Starts `argv` with the supervisor's stdout and stderr, so the backend's log
 * lines reach the terminal or the container log unchanged and in order. stdin
 * is not handed over: nothing here reads it, and a child holding the terminal
 * would keep it after the supervisor is gone.
 */
export function start(argv: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'inherit', 'inherit'] });
  const exited = new Promise<number>(resolve => {
    // 'error' (e.g. ENOENT for the node binary) comes without an 'exit'.
    child.once('error', () => resolve(127));
    child.once('exit', (code, signal) => resolve(exitStatus(code, signal)));
  });
  return { child, exited };
}

/** Runs `argv` to its end and returns what it printed on stdout (for `--help`). */
export function capture(argv: string[], env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string }> {
  return new Promise(resolve => {
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout!.on('data', chunk => (stdout += chunk));
    child.once('error', () => resolve({ status: 127, stdout }));
    child.once('close', (code, signal) => resolve({ status: exitStatus(code, signal), stdout }));
  });
}

/**
 * Polls the backend's readiness endpoint once a second until it answers 200
 * (true) or `alive()` says the process is gone (false). Each probe has its own
 * timeout: a backend that accepts the connection but never answers must not
 * stall the loop.
 */
export async function waitUntilReady(url: string, alive: () => boolean, intervalMs = 1000): Promise<boolean> {
  while (alive()) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(intervalMs, 2000)) });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) return alive();
    } catch {
      // Not listening yet.
    }
    await new Promise(resolve => setTimeout(resolve, intervalMs));
  }
  return false;
}
