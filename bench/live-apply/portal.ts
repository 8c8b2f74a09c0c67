/**
 * The portal under test for bench/live-apply: fixtures in a local verdaccio,
 * one portal under its supervisor (SQLite or PostgreSQL) with DevPortal's
 * bundled plugins, the admin API, and timestamps of the supervisor's lines.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { repoRoot, signInAsGuest } from '../../e2e/support/backend.ts';
import { pluginConfigDir } from '../../e2e/support/frontendFixtures.ts';
import { publishBackendPlugin, routePlugin } from '../../e2e/support/liveFixtures.ts';
import { startPostgres, type StartedPostgres } from '../../e2e/support/postgres.ts';
import { startSupervised, type StartedSupervisor } from '../../e2e/support/supervised.ts';
import { startVerdaccio, type StartedVerdaccio } from '../../e2e/support/verdaccio.ts';

export const ROUTE_PLUGIN = '@fixture/live-route';
const cli = path.join(repoRoot, 'packages/cli/bin/devportal-cli');
const thirdParty = process.env.DEVPORTAL_THIRD_PARTY_DIR ?? path.join(repoRoot, '.devportal/tools/third-party');

export interface Registry {
  npm: StartedVerdaccio;
  /** The Tech Radar (new frontend system) export, as published: `name@version`. */
  radar: { name: string; version: string };
}

/** verdaccio with the route plugin (1.0.0 and 1.1.0) and the Tech Radar frontend plugin. */
export async function startRegistry(work: string): Promise<Registry> {
  const npm = await startVerdaccio();
  for (const version of ['1.0.0', '1.1.0']) await publishBackendPlugin(npm, ROUTE_PLUGIN, version, routePlugin(version), 'live-route');
  // Publishing needs the token; the portal reads the same registry without one.
  const publishDir = fs.mkdtempSync(path.join(work, 'publish-'));
  fs.writeFileSync(path.join(publishDir, '.npmrc'), `//127.0.0.1:${new URL(npm.url).port}/:_authToken=${npm.token}\n`);
  const folder = path.join(thirdParty, 'exported-frontend', 'backstage-community-plugin-tech-radar-dynamic');
  const out = execFileSync(process.execPath, [cli, 'plugin', 'publish', '--npm', npm.url, '--json', folder], { cwd: publishDir }).toString();
  const { name, version } = JSON.parse(out).packages[0];
  return { npm, radar: { name, version } };
}

export interface Portal {
  db: 'sqlite' | 'postgres';
  supervisor: StartedSupervisor;
  baseUrl: string;
  token: string;
  /** The supervisor's pid: the root of the process tree whose RSS is summed. */
  pid: number;
  lines: LineClock;
  api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startPortal(db: 'sqlite' | 'postgres', work: string, registry: Registry, runArgs: string[]): Promise<Portal> {
  let pg: StartedPostgres | undefined;
  if (db === 'postgres') pg = await startPostgres();
  // The base is the repository's dynamic-plugins.yaml (bundled plugins), as a real portal runs.
  const configDir = pluginConfigDir(work);
  fs.writeFileSync(path.join(configDir, '.npmrc'), `registry=${registry.npm.url}/\n`);
  const baseConfig = path.join(configDir, 'dynamic-plugins.yaml');
  fs.writeFileSync(baseConfig, stringify({ includes: ['bundled.yaml'], plugins: [] }));
  const supervisor = await startSupervised({
    dataDir: fs.mkdtempSync(path.join(work, `${db}-`)),
    pluginsConfig: baseConfig,
    runArgs,
    env: {
      // Backstage logs every request at info: at hundreds of requests a second
      // that is the harness's memory and CPU, not the portal's.
      LOG_LEVEL: 'warn',
      ...(pg ? { POSTGRES_HOST: pg.host, POSTGRES_PORT: String(pg.port), POSTGRES_USER: pg.user, POSTGRES_PASSWORD: pg.password } : {}),
    },
    ...(pg ? { configFiles: ['app-config.production.yaml'] } : {}),
    config: {
      auth: { providers: { guest: { dangerouslyAllowOutsideDevelopment: true, ownershipEntityRefs: ['group:default/platform-admins'] } } },
      devportal: { admins: ['group:default/platform-admins'] },
      dynamicPlugins: { marketplace: { baseConfig } },
    },
  });
  const token = await signInAsGuest(supervisor.baseUrl);
  const api = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`${supervisor.baseUrl}/api/dynamic-plugins${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    db,
    supervisor,
    baseUrl: supervisor.baseUrl,
    token,
    pid: supervisorPid(supervisor.port),
    lines: new LineClock(supervisor),
    api,
    stop: async () => {
      await supervisor.stop();
      await pg?.stop();
    },
  };
}

/** Our child `devportal-cli run ... --port <port>`, found in /proc (the support module keeps the handle). */
function supervisorPid(port: number): number {
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = args.indexOf('--port');
      if (args.some(a => a.endsWith('devportal-cli')) && args.includes('run') && at >= 0 && args[at + 1] === String(port)) return Number(entry);
    } catch {
      // Gone meanwhile.
    }
  }
  throw new Error(`no devportal-cli run on port ${port} in /proc`);
}

/**
 * When each supervisor line first appeared (ms, Date.now()), read
 * every 50 ms from the new part of the output only.
 */
export class LineClock {
  private seen = 0;
  private timer: NodeJS.Timeout;
  private readonly supervisor: StartedSupervisor;
  readonly events: { at: number; line: string }[] = [];

  constructor(supervisor: StartedSupervisor) {
    this.supervisor = supervisor;
    this.timer = setInterval(() => this.poll(), 50);
  }

  private poll() {
    const text = this.supervisor.logs();
    const end = text.lastIndexOf('\n') + 1;
    if (end <= this.seen) return;
    const at = Date.now();
    for (const line of text.slice(this.seen, end).split('\n')) {
      if (line.startsWith('devportal: ')) this.events.push({ at, line: line.slice('devportal: '.length) });
    }
    this.seen = end;
  }

  /** The first time after `since` that a line matched `pattern`. */
  after(since: number, pattern: RegExp): number | undefined {
    this.poll();
    return this.events.find(e => e.at >= since && pattern.test(e.line))?.at;
  }

  stop() {
    clearInterval(this.timer);
  }
}
