import fs from 'node:fs';
import { INSTALLER_STATE_FILE, type FrontendRemotesSnapshot } from '@devportal/plugin-dynamic-plugins-common';
import type { ServedRemote } from './frontendRemotes';

export interface RemotesPublisherOptions {
  /** What this backend serves now (FrontendPlugins.current: re-read when the installer state changed). */
  current(): Promise<ServedRemote[]>;
  /** The marketplace generation this backend serves. */
  servedGeneration(): number | null;
  /** Sends the snapshot to the supervisor. */
  send(snapshot: FrontendRemotesSnapshot): void;
  /** The dynamic plugins root, watched for the installer's state file; none: the interval alone. */
  root?: string;
  /**
   * The longest a change goes unsent when no file event comes (a root on a
   * file system without inotify, or a served generation that changed with
   * no install); 100 ms. A check that finds nothing new costs a stat of the
   * state file. The file event is what makes an install quick to show.
   */
  intervalMs?: number;
  onError?(error: Error): void;
}

/**
 * Keeps the supervisor's copy of this backend's remotes current
 * (FrontendRemotesSnapshot). The front door answers the public remotes list
 * and the remotes' files from that copy, so a frontend-only apply is visible
 * to a new page load as soon as the installer's state file changes, rather
 * than when a request for the list gets its turn on a busy backend.
 *
 * Sends only what differs from the last snapshot sent. Returns a stop function.
 */
export function publishRemotes(options: RemotesPublisherOptions): () => void {
  let lastSent: string | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  // current() answers the same array until it re-reads: unchanged, nothing is built or compared.
  let lastServed: ServedRemote[] | undefined;
  let lastGeneration: number | null | undefined;
  const publish = async () => {
    const served = await options.current();
    const generation = options.servedGeneration();
    if (stopped || (served === lastServed && generation === lastGeneration)) return;
    lastServed = served;
    lastGeneration = generation;
    const snapshot: FrontendRemotesSnapshot = {
      type: 'devportal:frontend-remotes',
      generation,
      remotes: served.map(s => s.remote),
      assets: Object.fromEntries(served.map(s => [s.remote.packageName, s.assetsDir])),
    };
    const text = JSON.stringify(snapshot);
    if (text === lastSent) return;
    options.send(snapshot);
    lastSent = text;
  };
  // One publish at a time; a request during one runs once more after it, so the last change is never missed.
  const refresh = () => {
    if (running) {
      again = true;
      return;
    }
    running = publish()
      .catch(error => options.onError?.(error as Error))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          refresh();
        }
      });
  };

  let watcher: fs.FSWatcher | undefined;
  if (options.root) {
    try {
      // The folder, not the file: the installer replaces the state file by a rename, which ends a watch on the file itself.
      watcher = fs.watch(options.root, { persistent: false }, (_event, name) => {
        if (name === null || String(name) === INSTALLER_STATE_FILE) refresh();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = undefined;
      });
    } catch {
      watcher = undefined; // the interval still sends every change
    }
  }
  const timer = setInterval(refresh, options.intervalMs ?? 100);
  timer.unref();
  refresh();

  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
  };
}
