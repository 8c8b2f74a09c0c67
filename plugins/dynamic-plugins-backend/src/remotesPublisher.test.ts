import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALLER_STATE_FILE, type FrontendRemote, type FrontendRemotesSnapshot } from '@devportal/plugin-dynamic-plugins-common';
import type { ServedRemote } from './frontendRemotes';
import { publishRemotes } from './remotesPublisher';

function served(packageName: string, assetsDir: string): ServedRemote {
  const encoded = encodeURIComponent(packageName);
  const remote: FrontendRemote = { packageName, remoteInfo: { name: encoded, entry: `remotes/${encoded}/remoteEntry.js` }, exposedModules: ['.'] };
  return { remote, assetsDir };
}

/** Polls until `condition` holds; fails (rather than asserting a duration) when it never does. */
async function until(condition: () => boolean, what: string, deadlineMs = 5_000) {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise(resolve => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

/** Replaces the installer state file by a rename, as the installer does. */
function replaceStateFile(root: string, content: string) {
  const temporary = path.join(root, `${INSTALLER_STATE_FILE}.tmp-${process.pid}`);
  fs.writeFileSync(temporary, content);
  fs.renameSync(temporary, path.join(root, INSTALLER_STATE_FILE));
}

// Real timers: fake ones would not move fs.watch, and the checks here wait for conditions, not for durations.
describe('publishRemotes', () => {
  let root: string;
  /** What the stubbed FrontendPlugins.current() answers now; swapped by the tests. */
  let now: ServedRemote[];
  let generation: number | null;
  let calls: number;
  let sent: FrontendRemotesSnapshot[];
  const stops: Array<() => void> = [];

  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'remotes-publisher-'));
    now = [served('@acme/plugin-a', path.join(root, 'acme-plugin-a', 'dist'))];
    generation = 4;
    calls = 0;
    sent = [];
  });

  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const start = (options: { intervalMs: number }) => {
    const stop = publishRemotes({
      current: async () => {
        calls++;
        return now;
      },
      servedGeneration: () => generation,
      send: snapshot => sent.push(snapshot),
      root,
      intervalMs: options.intervalMs,
    });
    stops.push(stop);
    return stop;
  };

  it('sends what it serves once at start: the list, the generation and each remote’s folder by package name', async () => {
    now = [served('@acme/plugin-a', '/plugins/acme-plugin-a/dist'), served('plugin-b', '/plugins/plugin-b/dist-scalprum')];
    start({ intervalMs: 60_000 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    expect(sent[0]).toEqual({
      type: 'devportal:frontend-remotes',
      generation: 4,
      remotes: [now[0].remote, now[1].remote],
      assets: { '@acme/plugin-a': '/plugins/acme-plugin-a/dist', 'plugin-b': '/plugins/plugin-b/dist-scalprum' },
    });
  });

  it('sends null for a backend that serves no generation yet', async () => {
    generation = null;
    start({ intervalMs: 60_000 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    expect(sent[0].generation).toBeNull();
  });

  it('sends nothing more while the served list and generation stay the same', async () => {
    start({ intervalMs: 20 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    // Several checks ran (current() was asked each time) and found nothing new.
    await until(() => calls >= 5, 'a few checks ran');
    expect(sent).toHaveLength(1);
  });

  it('sends again when the served generation changes, with the same list', async () => {
    start({ intervalMs: 20 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    generation = 5;
    await until(() => sent.length === 2, 'the new generation is sent');
    expect(sent[1]).toEqual({ ...sent[0], generation: 5 });
    await until(() => calls >= 8, 'a few more checks ran');
    expect(sent).toHaveLength(2);
  });

  it('sends a new list as soon as the installer replaces its state file, without waiting for the interval', async () => {
    // An interval no test outlives: only the watch on the root can bring the second snapshot.
    start({ intervalMs: 60_000 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    const callsBefore = calls;
    now = [...now, served('@acme/plugin-b', path.join(root, 'acme-plugin-b', 'dist'))];
    replaceStateFile(root, '{"version":1}');
    await until(() => sent.length === 2, 'the new list is sent after the state file changed');
    expect(calls).toBeGreaterThan(callsBefore);
    expect(sent[1].remotes.map(r => r.packageName)).toEqual(['@acme/plugin-a', '@acme/plugin-b']);
    expect(sent[1].assets).toEqual({
      '@acme/plugin-a': path.join(root, 'acme-plugin-a', 'dist'),
      '@acme/plugin-b': path.join(root, 'acme-plugin-b', 'dist'),
    });

    // And again for the next install (the watch is on the folder, so it outlives the rename).
    now = [now[1]];
    replaceStateFile(root, '{"version":1,"n":2}');
    await until(() => sent.length === 3, 'the list after the second install is sent');
    expect(sent[2].remotes.map(r => r.packageName)).toEqual(['@acme/plugin-b']);
  });

  it('sends nothing for a new list with the same content (current() re-read, nothing changed)', async () => {
    start({ intervalMs: 20 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    now = now.map(s => ({ remote: JSON.parse(JSON.stringify(s.remote)), assetsDir: s.assetsDir }));
    const callsAtSwap = calls;
    await until(() => calls >= callsAtSwap + 3, 'the new list was checked');
    expect(sent).toHaveLength(1);
    // It still sends a real change afterwards: the copy was compared, not ignored.
    now = [...now, served('plugin-c', '/plugins/plugin-c/dist')];
    await until(() => sent.length === 2, 'the changed list is sent');
    expect(sent[1].remotes.map(r => r.packageName)).toEqual(['@acme/plugin-a', 'plugin-c']);
  });

  it('sends nothing after stop(), neither on the interval nor on a state file change', async () => {
    const stop = start({ intervalMs: 20 });
    await until(() => sent.length === 1, 'the first snapshot is sent');
    stop();
    const callsAtStop = calls;
    now = [...now, served('plugin-c', '/plugins/plugin-c/dist')];
    generation = 5;
    replaceStateFile(root, '{"version":1}');
    // Several intervals' worth: a running publisher would have sent by now (see the tests above).
    await sleep(200);
    expect(sent).toHaveLength(1);
    // Not even read: the interval and the watch are gone.
    expect(calls).toBe(callsAtStop);
  });

  it('does not send what a check that was running when stop() came read afterwards', async () => {
    let release: ((value: ServedRemote[]) => void) | undefined;
    const stop = publishRemotes({
      current: () => {
        calls++;
        if (calls === 1) return Promise.resolve(now);
        // The second check waits on the read until the test lets it go.
        return new Promise<ServedRemote[]>(resolve => {
          release = resolve;
        });
      },
      servedGeneration: () => generation,
      send: snapshot => sent.push(snapshot),
      intervalMs: 20,
    });
    stops.push(stop);
    await until(() => release !== undefined, 'the second check is reading');
    expect(sent).toHaveLength(1);
    stop();
    release!([...now, served('plugin-c', '/plugins/plugin-c/dist')]);
    await sleep(50);
    expect(sent).toHaveLength(1);
  });

  it('reports a failed read to onError and keeps checking', async () => {
    const errors: Error[] = [];
    let fail = true;
    const stop = publishRemotes({
      current: async () => {
        calls++;
        if (fail) throw new Error('state file unreadable');
        return now;
      },
      servedGeneration: () => generation,
      send: snapshot => sent.push(snapshot),
      intervalMs: 20,
      onError: error => errors.push(error),
    });
    stops.push(stop);
    await until(() => errors.length >= 1, 'the failure is reported');
    expect(errors[0].message).toBe('state file unreadable');
    expect(sent).toHaveLength(0);
    fail = false;
    await until(() => sent.length === 1, 'the list is sent once it can be read');
    expect(sent[0].remotes).toEqual([now[0].remote]);
  });
});
