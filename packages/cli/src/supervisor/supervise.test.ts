import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from './generation';
import { supervise, type SuperviseOptions } from './supervise';

/**
 * The loop against stand-ins: a fake devportal-cli (installer, config check)
 * and a fake backend that follows a script, one step per start:
 * `restart` exits 75, `crash` exits 3, `exit N` exits N, `serve` answers
 * readiness until a signal comes. Each records what it was run with in `calls.log`.
 */
const FAKE_CLI = `
const fs = require('fs');
const path = require('path');
const dir = process.env.FAKE_DIR;
const args = process.argv.slice(2);
const record = line => fs.appendFileSync(path.join(dir, 'calls.log'), line + '\\n');
if (args.includes('--help')) {
  process.stdout.write(process.env.FAKE_APP_CONFIG === '1' ? '  --app-config <file>  the app-config\\n' : '  --root <dir>\\n');
  process.exit(0);
}
const step = args.slice(0, 2).join(' ');
record(step + ' ' + JSON.stringify(args.slice(2)));
if (step === 'plugins install') record('installer {"pid":' + process.pid + '}');
if (step === 'plugins install') {
  if (fs.existsSync(path.join(dir, 'installer-hangs'))) setInterval(() => {}, 1000);
  else {
    const fail = fs.existsSync(path.join(dir, 'installer-fails'));
    if (!fail) fs.writeFileSync(path.join(args[args.indexOf('--root') + 1], 'app-config.dynamic-plugins.yaml'), 'x: 1\\n');
    process.exit(fail ? 1 : 0);
  }
}
if (step === 'config check') process.exit(fs.existsSync(path.join(dir, 'config-bad')) ? 1 : 0);
`;

const FAKE_BACKEND = `
const fs = require('fs');
const http = require('http');
const path = require('path');
const dir = process.env.FAKE_DIR;
const counter = path.join(dir, 'starts');
const n = fs.existsSync(counter) ? Number(fs.readFileSync(counter, 'utf8')) : 0;
fs.writeFileSync(counter, String(n + 1));
const script = JSON.parse(fs.readFileSync(path.join(dir, 'script.json'), 'utf8'));
const step = script[Math.min(n, script.length - 1)];
const record = line => fs.appendFileSync(path.join(dir, 'calls.log'), line + '\\n');
const held = process.env.DEVPORTAL_HOLD_START === '1';
record('backend ' + JSON.stringify({ pid: process.pid, nodeEnv: process.env.NODE_ENV, args: process.argv.slice(2), step, held }));
// Started ahead of need: waits for the supervisor's start message, as packages/backend's holdStart does.
if (held) {
  const onMessage = message => {
    if (message.type !== 'devportal:start') return;
    process.off('message', onMessage);
    record('released ' + JSON.stringify(message.configs));
    main();
  };
  process.on('message', onMessage);
  process.once('SIGTERM', () => { record('held backend got SIGTERM'); process.exit(0); });
} else main();
function main() {
if (step === 'restart') process.exit(75);
// An apply whose next install fails (a registry went away meanwhile).
if (step === 'restart, installer breaks') { fs.writeFileSync(path.join(dir, 'installer-fails'), ''); process.exit(75); }
if (step === 'restart, installer hangs') { fs.writeFileSync(path.join(dir, 'installer-hangs'), ''); process.exit(75); }
if (step === 'crash') process.exit(3);
if (step === 'exit 0') process.exit(0);
if (step === 'exit 143') process.exit(143);
const hangs = step === 'hang at init';
const server = http.createServer((req, res) => {
  if (req.url === '/.backstage/health/v1/readiness') res.statusCode = hangs ? 503 : 200;
  else if (req.url === '/who') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ pid: process.pid, step })); return; }
  else if (req.url === '/slow') { setTimeout(() => res.end('slow from ' + process.pid), 700); return; }
  else res.statusCode = 404;
  res.end();
});
// The supervisor gives each backend a loopback port of its own, the way Backstage reads it.
server.listen(Number(process.env.APP_CONFIG_backend_listen_port), '127.0.0.1');
if (process.send) {
  process.on('message', message => fs.appendFileSync(path.join(dir, 'messages.log'), process.pid + ' ' + JSON.stringify(message) + '\\n'));
  if (!hangs) {
    const unhealthy = step === 'serve, unhealthy';
    process.send({ type: 'devportal:generation-verdict', generation: n, healthy: !unhealthy, ...(unhealthy ? { reason: 'plugin broken-plugin failed to start: boom' } : {}) });
  }
}
// An admin applying from the marketplace: this backend asks for a new generation beside it.
if (step === 'serve, then new generation') setTimeout(() => process.send({ type: 'devportal:new-generation', generation: 7 }), 300);
// The same, saying first that an install began; then an install that needs no new backend.
if (step === 'serve, prepare, then new generation') {
  setTimeout(() => process.send({ type: 'devportal:prepare-generation', generation: 7 }), 200);
  setTimeout(() => process.send({ type: 'devportal:new-generation', generation: 7 }), 1200);
}
if (step === 'serve, prepare, then abandon') {
  setTimeout(() => process.send({ type: 'devportal:prepare-generation', generation: 7 }), 200);
  setTimeout(() => process.send({ type: 'devportal:generation-abandoned', generation: 7 }), 1200);
}
// A plugin route that throws outside the request (a timer): the process dies.
if (step === 'serve, then crash') setTimeout(() => { throw new Error('route crashed'); }, 500);
// An admin applying again and again: each backend serves before it asks.
if (step === 'serve, then restart') setTimeout(() => process.exit(75), 800);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { record('backend got ' + signal); server.close(); process.exit(0); });
}
}
`;

interface Harness {
  dir: string;
  root: string;
  signals: EventEmitter;
  lines: string[];
  calls(): string[];
  /** What the supervisor sent each backend: `<pid> <message JSON>`. */
  messages(): string[];
  options: SuperviseOptions;
}

const dirs: string[] = [];

// A failed test can leave a fake backend serving; later runs must not find it.
afterEach(() => {
  for (const dir of dirs.splice(0)) {
    const log = fs.readFileSync(path.join(dir, 'calls.log'), 'utf8');
    for (const [, pid] of log.matchAll(/"pid":(\d+)/g)) {
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        // Gone already, as it should be.
      }
    }
  }
});

async function harness(script: string[], overrides: Partial<SuperviseOptions> = {}, env: Record<string, string> = {}): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-supervise-'));
  dirs.push(dir);
  const root = path.join(dir, 'root');
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(dir, 'cli.js'), FAKE_CLI);
  fs.writeFileSync(path.join(dir, 'backend.js'), FAKE_BACKEND);
  fs.writeFileSync(path.join(dir, 'script.json'), JSON.stringify(script));
  fs.writeFileSync(path.join(dir, 'calls.log'), '');
  const port = await freeLoopbackPort();
  const signals = new EventEmitter();
  const lines: string[] = [];
  return {
    dir,
    root,
    signals,
    lines,
    calls: () =>
      fs
        .readFileSync(path.join(dir, 'calls.log'), 'utf8')
        .split('\n')
        .filter(line => line && !line.startsWith('installer {')),
    messages: () => {
      const file = path.join(dir, 'messages.log');
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    },
    options: {
      cli: [process.execPath, path.join(dir, 'cli.js')],
      pluginsConfig: path.join(dir, 'dynamic-plugins.yaml'),
      root,
      configs: [path.join(dir, 'app-config.yaml'), path.join(dir, 'app-config.local.yaml')],
      backend: [process.execPath, path.join(dir, 'backend.js')],
      port,
      installTimeoutMs: 60_000,
      maxRestarts: 5,
      restartWindowMs: 60_000,
      env: { ...process.env, FAKE_DIR: dir, FAKE_PORT: String(port), ...env },
      log: line => lines.push(line),
      signals: signals as unknown as SuperviseOptions['signals'],
      readinessIntervalMs: 50,
      ...overrides,
    },
  };
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 25));
  }
}

const backendRuns = (h: Harness) =>
  h.calls().filter(l => l.startsWith('backend {')).map(l => JSON.parse(l.slice('backend '.length)));

describe('supervise', () => {
  jest.setTimeout(30_000);

  it('installs, checks and starts again when the backend exits with 75, then serves until SIGTERM', async () => {
    const h = await harness(['restart', 'serve']);
    const done = supervise(h.options);
    await until('the second backend to be ready', () => h.lines.includes('DevPortal is ready: http://localhost:' + h.options.port));
    h.signals.emit('SIGTERM');
    await expect(done).resolves.toBe(0);

    const steps = h.calls().map(l => (l.startsWith('backend {') ? 'backend' : l.split(' ').slice(0, 2).join(' ')));
    expect(steps).toEqual(['plugins install', 'config check', 'backend', 'plugins install', 'config check', 'backend', 'backend got']);
    expect(h.calls().at(-1)).toBe('backend got SIGTERM');
    expect(h.lines).toContain('restarting to apply the plugin changes');
    const [first, second] = backendRuns(h);
    expect(first.pid).not.toBe(second.pid);
    expect(second.nodeEnv).toBe('production');
    // The root's plugin config is appended last, after the given files.
    const dynamicConfig = path.join(h.root, 'app-config.dynamic-plugins.yaml');
    expect(second.args).toEqual(['--config', h.options.configs[0], '--config', h.options.configs[1], '--config', dynamicConfig]);
  });

  it('passes each app-config file to the installer as --app-config only when the installer has that option', async () => {
    const dynamicConfig = (root: string) => path.join(root, 'app-config.dynamic-plugins.yaml');
    for (const supported of [true, false]) {
      const h = await harness(['crash'], {}, { FAKE_APP_CONFIG: supported ? '1' : '0' });
      // The caller may place the root's file itself; it is the installer's output, never its input.
      h.options.configs = [...h.options.configs, dynamicConfig(h.root)];
      await expect(supervise(h.options)).resolves.toBe(3);
      const install = JSON.parse(h.calls()[0].slice('plugins install '.length));
      const base = ['--config', h.options.pluginsConfig, '--root', h.root];
      const appConfigs = supported ? h.options.configs.slice(0, 2).flatMap(f => ['--app-config', f]) : [];
      expect(install).toEqual([...base, ...appConfigs]);
      // Listed by the caller: kept in its place, not appended twice.
      expect(backendRuns(h)[0].args.filter((a: string) => a === dynamicConfig(h.root))).toHaveLength(1);
    }
  });

  it('fails at the first start when the installer fails, without starting the backend', async () => {
    const h = await harness(['serve']);
    fs.writeFileSync(path.join(h.dir, 'installer-fails'), '');
    await expect(supervise(h.options)).resolves.toBe(1);
    expect(backendRuns(h)).toHaveLength(0);
    expect(h.lines.at(-1)).toMatch(/^error: dynamic plugin installation failed; the previous plugins are kept/);
  });

  it('starts the backend on the previous plugins when the installer fails on a restart', async () => {
    const h = await harness(['restart, installer breaks', 'serve']);
    const done = supervise(h.options);
    await until('readiness after the restart', () => h.lines.some(l => l.startsWith('DevPortal is ready')));
    expect(h.lines).toContain('warning: dynamic plugin installation failed; starting again with the previous plugins');
    expect(backendRuns(h)).toHaveLength(2);
    h.signals.emit('SIGINT');
    await expect(done).resolves.toBe(0);
    expect(h.calls().at(-1)).toBe('backend got SIGINT');
  });

  it('stops with an error when the backend asks for more restarts than allowed within the window', async () => {
    const h = await harness(['restart'], { maxRestarts: 2 });
    await expect(supervise(h.options)).resolves.toBe(1);
    expect(backendRuns(h)).toHaveLength(3);
    expect(h.lines.filter(l => l === 'restarting to apply the plugin changes')).toHaveLength(2);
    expect(h.lines.at(-1)).toMatch(/^error: the backend asked for a restart 3 times within 60 s without becoming ready; stopping/);
  });

  it('does not count restarts of backends that served first (an admin applying often)', async () => {
    const h = await harness(['serve, then restart', 'serve, then restart', 'serve, then restart', 'crash'], { maxRestarts: 1 });
    await expect(supervise(h.options)).resolves.toBe(3);
    expect(backendRuns(h)).toHaveLength(4);
    expect(h.lines.filter(l => l.startsWith('DevPortal is ready'))).toHaveLength(3);
  });

  it('counts only the restarts inside the window', async () => {
    const h = await harness(['restart', 'restart', 'restart', 'crash'], { maxRestarts: 1, restartWindowMs: 1 });
    await expect(supervise(h.options)).resolves.toBe(3);
    expect(backendRuns(h)).toHaveLength(4);
  });

  it("exits with the backend's status when it stops on its own, and with 0 for a clean exit", async () => {
    const h = await harness(['crash']);
    await expect(supervise(h.options)).resolves.toBe(3);
    expect(h.lines.at(-1)).toBe('error: the backend stopped with exit code 3 (see the log above)');
    for (const step of ['exit 0', 'exit 143']) {
      const clean = await harness([step]);
      await expect(supervise(clean.options)).resolves.toBe(0);
      expect(clean.lines.some(l => l.startsWith('error:'))).toBe(false);
    }
  });

  it('skips the installer with no plugins config, and stops when the config check fails', async () => {
    const h = await harness(['serve'], { pluginsConfig: undefined, configCheckArgs: ['--port', '1'] });
    fs.writeFileSync(path.join(h.dir, 'config-bad'), '');
    await expect(supervise(h.options)).resolves.toBe(1);
    expect(h.calls()).toEqual([`config check ${JSON.stringify(['--port', '1', '--config', h.options.configs[0], '--config', h.options.configs[1]])}`]);
  });

  it('stops an installer that does not finish in time: fatal at the first start, not on a restart', async () => {
    const first = await harness(['serve'], { installTimeoutMs: 300 });
    fs.writeFileSync(path.join(first.dir, 'installer-hangs'), '');
    await expect(supervise(first.options)).resolves.toBe(1);
    expect(first.lines).toContain('error: the plugin installer did not finish within 0 s; stopped it');
    expect(backendRuns(first)).toHaveLength(0);

    const later = await harness(['restart, installer hangs', 'serve'], { installTimeoutMs: 1000 });
    const done = supervise(later.options);
    await until('readiness after the restart', () => later.lines.some(l => l.startsWith('DevPortal is ready')));
    expect(later.lines).toContain('warning: dynamic plugin installation failed; starting again with the previous plugins');
    later.signals.emit('SIGTERM');
    await expect(done).resolves.toBe(0);
  });

  it('a signal during the installer stops it and starts no backend', async () => {
    const h = await harness(['serve']);
    fs.writeFileSync(path.join(h.dir, 'installer-hangs'), '');
    const done = supervise(h.options);
    await until('the installer', () => h.calls().length === 1);
    h.signals.emit('SIGINT');
    await expect(done).resolves.toBe(130);
    expect(backendRuns(h)).toHaveLength(0);
    expect(h.signals.listenerCount('SIGINT')).toBe(0);
  });

  describe('generations behind the public port', () => {
    /** Keeps `clients` keep-alive clients asking `/who` and `/slow` through the public port until stopped. */
    function load(port: number, clients: number) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
      const results = { ok: 0, failed: [] as string[], pids: new Set<number>() };
      let running = true;
      const loops = Array.from({ length: clients }, async (_, i) => {
        while (running) {
          const url = i % 4 === 0 ? '/slow' : '/who';
          const outcome = await new Promise<string | undefined>(resolve => {
            const req = http.get({ host: '127.0.0.1', port, path: url, agent }, res => {
              let body = '';
              res.on('data', c => (body += c));
              res.on('end', () => {
                if (res.statusCode !== 200) return resolve(`${url} ${res.statusCode}`);
                if (url === '/who') results.pids.add(JSON.parse(body).pid);
                resolve(undefined);
              });
              res.on('error', e => resolve(`${url} ${e.message}`));
            });
            req.on('error', e => resolve(`${url} ${e.message}`));
          });
          if (outcome) results.failed.push(outcome);
          else results.ok++;
        }
      });
      return {
        results,
        stop: async () => {
          running = false;
          await Promise.all(loops);
          agent.destroy();
        },
      };
    }

    it('starts a new backend beside the serving one, switches when it is ready and drains the old one: no request fails', async () => {
      const h = await harness(['serve, then new generation', 'serve'], { probationMs: 300 });
      const done = supervise(h.options);
      await until('readiness', () => h.lines.some(l => l.startsWith('DevPortal is ready')));
      const traffic = load(h.options.port, 12);
      await until('the switch', () => h.lines.some(l => l.includes('generation 7 serves')));
      await until('the old backend to stop', () => h.calls().includes('backend got SIGTERM'));
      await new Promise(r => setTimeout(r, 300));
      await traffic.stop();
      expect(traffic.results.failed).toEqual([]);
      expect(traffic.results.ok).toBeGreaterThan(20);
      const [first, second] = backendRuns(h);
      // Both generations answered, and only the first one was stopped; the installer ran once (the apply installs).
      expect([...traffic.results.pids].sort()).toEqual([first.pid, second.pid].sort());
      expect(h.calls().filter(l => l.startsWith('plugins install'))).toHaveLength(1);
      await until('the serving message after probation', () => h.messages().includes(`${second.pid} {"type":"devportal:serving"}`));
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('starts a held backend when an install begins and releases it, with the config files of that moment, for the new generation', async () => {
      const h = await harness(['serve, prepare, then new generation', 'serve'], { probationMs: 300 });
      const done = supervise(h.options);
      await until('the held backend', () => backendRuns(h).length === 2);
      const [first, second] = backendRuns(h);
      expect(first.held).toBe(false);
      expect(second.held).toBe(true);
      // Held: nothing served by it, no config files sent yet.
      expect(h.calls().some(l => l.startsWith('released'))).toBe(false);
      await until('the switch', () => h.lines.some(l => l.includes('generation 7 serves')));
      // The installer wrote the root's plugin config before the first start: it is on the held backend's command line already, and sent again in order.
      const released = JSON.parse(h.calls().find(l => l.startsWith('released '))!.slice('released '.length));
      expect(released).toEqual([...h.options.configs, path.join(h.root, 'app-config.dynamic-plugins.yaml')]);
      // The held backend became the generation: no third backend.
      await until('the serving message after probation', () => h.messages().includes(`${second.pid} {"type":"devportal:serving"}`));
      expect(backendRuns(h)).toHaveLength(2);
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('stops the held backend when the install needs none (failed, or frontend plugins only), and keeps serving', async () => {
      const h = await harness(['serve, prepare, then abandon', 'serve'], { probationMs: 300 });
      const done = supervise(h.options);
      await until('the held backend to stop', () => h.calls().includes('held backend got SIGTERM'));
      const res = await fetch(`http://127.0.0.1:${h.options.port}/who`);
      expect((await res.json()).pid).toBe(backendRuns(h)[0].pid);
      expect(backendRuns(h)).toHaveLength(2);
      expect(h.lines.some(l => l.includes('generation 7'))).toBe(false);
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('keeps the old backend serving when the new one reports a failed plugin, and tells it why', async () => {
      const h = await harness(['serve, then new generation', 'serve, unhealthy']);
      const done = supervise(h.options);
      await until('the refusal', () => h.lines.some(l => l.startsWith('error: generation 7 did not take over')));
      const [first, second] = backendRuns(h);
      expect(h.lines).toContain(
        'error: generation 7 did not take over: plugin broken-plugin failed to start: boom; the previous backend keeps serving',
      );
      await until('the message to the old backend', () => h.messages().some(m => m.startsWith(`${first.pid} {"type":"devportal:generation-failed"`)));
      const who = await (await fetch(`http://127.0.0.1:${h.options.port}/who`)).json();
      expect(who.pid).toBe(first.pid);
      expect(() => process.kill(second.pid, 0)).toThrow();
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('takes the port back when the new backend dies within the probation time', async () => {
      const h = await harness(['serve, then new generation', 'serve, then crash'], { probationMs: 5000 });
      const done = supervise(h.options);
      await until('the hand-back', () => h.lines.some(l => l.includes('the previous backend serves again')));
      const [first] = backendRuns(h);
      expect(h.lines.some(l => /^error: generation 7 did not take over: the new backend stopped with exit code 1 within 5 s of taking over/.test(l))).toBe(true);
      await until('the message to the old backend', () => h.messages().some(m => m.startsWith(`${first.pid} {"type":"devportal:generation-failed"`)));
      const who = await (await fetch(`http://127.0.0.1:${h.options.port}/who`)).json();
      expect(who.pid).toBe(first.pid);
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('stops a new backend that is not ready within the generation timeout', async () => {
      const h = await harness(['serve, then new generation', 'hang at init'], { generationTimeoutMs: 1500 });
      const done = supervise(h.options);
      await until('the timeout', () => h.lines.some(l => l.includes('was not ready within 2 s')));
      const [first] = backendRuns(h);
      const who = await (await fetch(`http://127.0.0.1:${h.options.port}/who`)).json();
      expect(who.pid).toBe(first.pid);
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });

    it('answers 503 before the first backend is ready, and refuses to start on a port in use', async () => {
      const h = await harness(['hang at init']);
      const done = supervise(h.options);
      await until('a backend', () => backendRuns(h).length === 1);
      const res = await fetch(`http://127.0.0.1:${h.options.port}/who`);
      expect(res.status).toBe(503);
      const busy = await harness(['serve'], { port: h.options.port });
      await expect(supervise(busy.options)).resolves.toBe(1);
      expect(busy.lines).toContain(`error: port ${h.options.port} is already in use; stop what runs there or set DEVPORTAL_PORT to a free port`);
      h.signals.emit('SIGTERM');
      await expect(done).resolves.toBe(0);
    });
  });
});
