import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.ts';

const PG_BIN = process.env.DEVPORTAL_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface StartedPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/**
 * Starts a throw-away PostgreSQL 15 cluster (Debian's binaries) on a free
 * loopback port. PostgreSQL refuses to run as root, so as root the cluster is
 * run by the `postgres` system user that Debian's package creates.
 */
export async function startPostgres(): Promise<StartedPostgres> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-pg-'));
  const dataDir = path.join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const run = (cmd: string, args: string[]) =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args]] as const
           : [path.join(PG_BIN, cmd), args] as const;
  if (asRoot) {
    fs.chmodSync(dir, 0o755);
    execFileSync('chown', ['postgres:postgres', dir]);
  }
  const user = 'devportal';
  const password = 'devportal-test-password';
  const pwFile = path.join(dir, 'pw');
  fs.writeFileSync(pwFile, password);
  if (asRoot) execFileSync('chown', ['postgres:postgres', pwFile]);

  const [initCmd, initArgs] = run('initdb', ['-D', dataDir, '-U', user, '--pwfile', pwFile, '-A', 'scram-sha-256', '--no-sync']);
  execFileSync(initCmd, initArgs, { stdio: 'pipe' });
  const [pgCmd, pgArgs] = run('postgres', ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off',
    // Each backend keeps a pool per plugin database (about 25 connections at
    // rest); live apply runs two backends per replica for a few seconds, and
    // the replica tests run three replicas: 100, the default, is not enough.
    '-c', 'max_connections=400']);
  const server = spawn(pgCmd, pgArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  server.stderr!.on('data', d => (output += d));
  const exited = new Promise(resolve => server.once('exit', resolve));
  await waitFor(`PostgreSQL on port ${port}`, async () => {
    if (server.exitCode !== null) throw new Error(`postgres exited: ${output}`);
    return output.includes('ready to accept connections') ? true : undefined;
  }, 60_000, 200);
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    async stop() {
      if (server.exitCode === null) {
        // pg_ctl, not a signal: as root the server runs under runuser.
        const [stopCmd, stopArgs] = run('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-s']);
        try {
          execFileSync(stopCmd, stopArgs, { stdio: 'pipe' });
        } catch {
          server.kill('SIGKILL');
        }
        await exited;
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
