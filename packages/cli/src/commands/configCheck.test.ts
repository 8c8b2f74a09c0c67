import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { configCheckCommand } from './configCheck';

/** Runs the check and returns what it printed; resets the exit code. */
async function check(files: Record<string, string>, options: { port?: number; env?: Record<string, string> } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-config-check-'));
  const paths = Object.entries(files).map(([name, text]) => {
    fs.writeFileSync(path.join(dir, name), text);
    return path.join(dir, name);
  });
  const written: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(chunk => {
    written.push(String(chunk));
    return true;
  });
  const saved = { ...process.env };
  Object.assign(process.env, options.env);
  try {
    await configCheckCommand({ config: paths, port: options.port ? String(options.port) : undefined, host: '127.0.0.1' });
    return { output: written.join(''), failed: process.exitCode === 1 };
  } finally {
    spy.mockRestore();
    process.env = saved;
    process.exitCode = 0;
  }
}

describe('config check', () => {
  it('accepts the SQLite default', async () => {
    const result = await check({ 'app-config.yaml': 'backend:\n  database:\n    client: better-sqlite3\n' });
    expect(result).toEqual({ output: '', failed: false });
  });

  it('names file, line and column of invalid YAML in one line', async () => {
    const result = await check({ 'app-config.yaml': 'backend:\n  listen:\n    port: [7007\n' });
    expect(result.failed).toBe(true);
    expect(result.output).toMatch(/^devportal: error: .*app-config\.yaml:\d+:\d+: invalid YAML: .*\n$/);
  });

  it('refuses an unknown database client, saying which ones work', async () => {
    const result = await check({ 'a.yaml': 'backend:\n  database:\n    client: mysql\n' });
    expect(result.output).toBe(
      "devportal: error: unknown database client 'mysql' in backend.database.client; use better-sqlite3 (embedded) or pg (PostgreSQL)\n",
    );
  });

  it('lets a later file override an earlier one', async () => {
    const result = await check({
      'a.yaml': 'backend:\n  database:\n    client: mysql\n',
      'b.yaml': 'backend:\n  database:\n    client: better-sqlite3\n',
    });
    expect(result.failed).toBe(false);
  });

  it('names the PostgreSQL variables that are not set', async () => {
    const result = await check(
      { 'a.yaml': 'backend:\n  database:\n    client: pg\n    connection:\n      host: ${POSTGRES_HOST}\n      password: ${DEVPORTAL_TEST_UNSET_PW}\n' },
      { env: { POSTGRES_HOST: 'db' } },
    );
    expect(result.output).toBe('devportal: error: PostgreSQL is configured but DEVPORTAL_TEST_UNSET_PW is not set in the environment\n');
  });

  it('says the port is in use and how to pick another', async () => {
    const server = net.createServer();
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await check({ 'a.yaml': 'backend: {}\n' }, { port });
      expect(result.output).toBe(
        `devportal: error: port ${port} is already in use; stop what runs there or set DEVPORTAL_PORT to a free port\n`,
      );
    } finally {
      server.close();
    }
  });
});
