import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { isAtomicWriteLeftover, writeFileAtomically } from './files';
import { InstallError } from './errors';
import { requireSafePluginDir } from './pluginDir';

/*
 * Everything that changes the dynamic plugins root lives here: the lock that
 * serializes installers sharing a root, the staging folder, and the switch
 * from the old set to the new one.
 *
 * The switch is journaled. New plugin folders are staged next to the root's
 * folders (same filesystem, so renames are atomic), then a journal listing
 * every rename is written atomically, then the renames run. A run killed
 * before the journal exists left the old state untouched; a run killed after
 * it is finished by the next run (`recover`) before anything reads the root.
 * The backend never reads a half-switched root because the installer always
 * runs, and recovers, before it starts.
 */

const LOCK_DIR = '.devportal-install.lock';
const JOURNAL = '.devportal-install.journal.json';
const STAGING_PREFIX = '.devportal-staging-';
const TRASH_PREFIX = '.devportal-trash-';

export interface LockOptions {
  /** How often the holder proves it is alive. */
  heartbeatMs?: number;
  /** A lock not refreshed for this long belongs to a dead installer. */
  staleMs?: number;
  /** Give up waiting after this long. */
  waitTimeoutMs?: number;
  onWait?(owner: string): void;
}

export interface Lock {
  release(): Promise<void>;
}

/**
 * Takes the root's lock, waiting for a live holder and taking over from a
 * dead one. Liveness is a heartbeat (the lock's mtime), not a pid, because
 * installers on two machines share a volume: a holder killed with SIGKILL
 * stops refreshing and its lock goes stale after `staleMs`.
 */
export async function acquireLock(root: string, options: LockOptions = {}): Promise<Lock> {
  const heartbeatMs = options.heartbeatMs ?? 2_000;
  const staleMs = options.staleMs ?? 15_000;
  const deadline = Date.now() + (options.waitTimeoutMs ?? 15 * 60_000);
  const lockDir = path.join(root, LOCK_DIR);
  const owner = `pid ${process.pid} on ${os.hostname()}`;
  await fs.mkdir(root, { recursive: true });

  let announced = false;
  for (;;) {
    try {
      await fs.mkdir(lockDir);
      await fs.writeFile(path.join(lockDir, 'owner'), owner);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const stat = await fs.stat(lockDir).catch(() => undefined);
    const holder = await fs.readFile(path.join(lockDir, 'owner'), 'utf8').catch(() => '');
    if (stat && (Date.now() - stat.mtimeMs > staleMs || isDeadLocalProcess(holder))) {
      // Rename, not delete: of several waiters only one wins the rename.
      const grave = path.join(root, `${TRASH_PREFIX}lock-${crypto.randomUUID()}`);
      if (await fs.rename(lockDir, grave).then(() => true, () => false)) {
        await fs.rm(grave, { recursive: true, force: true });
      }
      continue;
    }
    if (Date.now() > deadline) {
      throw new InstallError(`another installer (${holder}) holds ${lockDir}; gave up waiting`, 'LOCK_TIMEOUT');
    }
    if (!announced) {
      announced = true;
      options.onWait?.(holder || 'another installer');
    }
    await sleep(Math.min(500, heartbeatMs));
  }

  const timer = setInterval(() => {
    const now = new Date();
    fs.utimes(lockDir, now, now).catch(() => {});
  }, heartbeatMs);
  timer.unref();
  return {
    async release() {
      clearInterval(timer);
      await fs.rm(lockDir, { recursive: true, force: true });
    },
  };
}

/**
 * A holder on this machine whose process is gone need not wait for the
 * heartbeat to go stale. Holders on other machines always do.
 */
function isDeadLocalProcess(owner: string): boolean {
  const match = /^pid (\d+) on (.+)$/.exec(owner);
  if (!match || match[2] !== os.hostname()) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** A fresh folder inside the root for this run's downloads and new plugin folders. */
export async function createStaging(root: string): Promise<string> {
  const dir = path.join(root, `${STAGING_PREFIX}${crypto.randomUUID()}`);
  await fs.mkdir(dir, { recursive: true });
  return dir;
}

/** One switch from the old set of plugin folders to the new one. */
export interface SwitchPlan {
  staging: string;
  /** Folders in `staging` that replace (or add) the folder of the same name in the root. */
  replace: string[];
  /** Root folders that are no longer configured. */
  remove: string[];
  /** Root files written whole from `staging` (the app-config and the install state). */
  files: string[];
}

interface Journal extends SwitchPlan {
  trash: string;
}

/** Switches the root to the new set; see the comment at the top of the file. */
export async function switchRoot(root: string, plan: SwitchPlan): Promise<void> {
  for (const folder of [...plan.replace, ...plan.remove]) requireSafePluginDir(folder, 'install', root);
  const journal: Journal = {
    ...plan,
    staging: path.basename(plan.staging),
    trash: `${TRASH_PREFIX}${crypto.randomUUID()}`,
  };
  await writeFileAtomically(path.join(root, JOURNAL), JSON.stringify(journal, null, 2));
  await applyJournal(root, journal);
}

/**
 * Finishes a switch a killed run left half done, and clears what killed runs
 * left behind (staging and trash folders). Call it holding the lock.
 */
export async function recover(root: string): Promise<boolean> {
  const text = await fs.readFile(path.join(root, JOURNAL), 'utf8').catch(() => undefined);
  let finished = false;
  if (text) {
    await applyJournal(root, JSON.parse(text) as Journal);
    finished = true;
  }
  for (const entry of await fs.readdir(root).catch(() => [] as string[])) {
    // Staging and trash of a run that died, and a state or journal file it
    // was writing when it was killed (recover runs under the lock, so no
    // other installer is writing one now).
    if (entry.startsWith(STAGING_PREFIX) || entry.startsWith(TRASH_PREFIX) || isAtomicWriteLeftover(entry)) {
      await fs.rm(path.join(root, entry), { recursive: true, force: true });
    }
  }
  return finished;
}

/** Idempotent: every step checks whether it already happened. */
async function applyJournal(root: string, journal: Journal) {
  // The journal is read back from disk by `recover`: every name in it must
  // still be a folder directly inside the root.
  for (const folder of [...journal.replace, ...journal.remove]) requireSafePluginDir(folder, 'install journal', root);
  for (const name of [journal.staging, journal.trash, ...journal.files]) {
    if (!isSafeInstallerEntry(name, root)) {
      throw new InstallError(`install journal: refusing the entry name ${JSON.stringify(String(name).slice(0, 200))}`, 'UNSAFE_PLUGIN_DIR');
    }
  }
  const staging = path.join(root, journal.staging);
  const trash = path.join(root, journal.trash);
  await fs.mkdir(trash, { recursive: true });
  for (const folder of journal.replace) {
    const staged = path.join(staging, folder);
    if (!(await exists(staged))) continue; // moved already
    const current = path.join(root, folder);
    if (await exists(current)) await fs.rename(current, path.join(trash, folder));
    await fs.rename(staged, current);
  }
  for (const folder of journal.remove) {
    const current = path.join(root, folder);
    if (await exists(current)) await fs.rename(current, path.join(trash, `removed-${folder}`));
  }
  for (const file of journal.files) {
    const staged = path.join(staging, file);
    if (await exists(staged)) await fs.rename(staged, path.join(root, file));
  }
  await fs.rm(path.join(root, JOURNAL), { force: true });
  await fs.rm(trash, { recursive: true, force: true });
  await fs.rm(staging, { recursive: true, force: true });
}

async function exists(p: string) {
  return fs.lstat(p).then(() => true, () => false);
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** A name of the installer's own inside the root (staging, trash, app-config, state): one path segment. */
function isSafeInstallerEntry(name: unknown, root: string): boolean {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) return false;
  return path.dirname(path.resolve(root, name)) === path.resolve(root);
}

/** Names in the root that belong to the installer, not to plugins. */
export function isInstallerEntry(name: string): boolean {
  return name.startsWith('.');
}
