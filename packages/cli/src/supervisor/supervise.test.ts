import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
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
record('backend ' + JSON.stringify({ pid: process.pid, nodeEnv: process.env.NODE_ENV, args: process.argv.slice(2), step }));
if (step === 'restart') process.exit(75);
// An apply whose next install fails (a registry went away meanwhile).
if (step === 'restart, installer breaks') { fs.writeFileSync(path.join(dir, 'installer-fails'), ''); process.exit(75); }
if (step === 'restart, installer hangs') { fs.writeFileSync(path.join(dir, 'installer-hangs'), ''); process.exit(75); }
if (step === 'crash') process.exit(3);
if (step === 'exit 0') process.exit(0);
if (step === 'exit 143') process.exit(143);
const server = http.createServer((req, res) => {
  res.statusCode = req.url === '/.backstage/health/v1/readiness' ? 200 : 404;
  res.end();
});
server.listen(Number(process.env.FAKE_PORT), '127.0.0.1');
// An admin applying again and again: each backend serves before it asks.
if (step === 'serve, then restart') setTimeout(() => process.exit(75), 800);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { record('backend got ' + signal); server.close(); process.exit(0); });
}
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Harness {
  dir: string;
  root: string;
  signals: EventEmitter;
  lines: string[];
  calls(): string[];
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
  const port = await freePort();
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
});
