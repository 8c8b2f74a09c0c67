import fs from 'node:fs/promises';
import net from 'node:net';
import YAML from 'yaml';
import { checkGuestOnNetwork } from './guestOnNetwork';

interface ConfigCheckOptions {
  config: string[];
  port?: string;
  host?: string;
  allowGuestAdmin?: boolean;
}

const DATABASE_CLIENTS = ['better-sqlite3', 'sqlite3', 'pg'];

/**
 * Checks the app-config files and the port before the backend starts, so the
 * usual mistakes end in one line that says what to fix instead of a stack
 * trace from deep inside the backend.
 */
export async function configCheckCommand(options: ConfigCheckOptions) {
  const problems: string[] = [];
  const merged: Record<string, unknown> = {};
  for (const file of options.config) {
    const parsed = await parseConfigFile(file, problems);
    if (parsed) deepAssign(merged, parsed);
  }
  if (problems.length === 0) {
    problems.push(...checkDatabase(merged));
    const allowGuestAdmin = options.allowGuestAdmin === true || process.env.DEVPORTAL_ALLOW_GUEST_ADMIN === 'true';
    const guestProblem = checkGuestOnNetwork(merged, options.host ?? '127.0.0.1', allowGuestAdmin);
    if (guestProblem) problems.push(guestProblem);
  }
  if (problems.length === 0 && options.port) {
    const problem = await checkPortFree(Number(options.port), options.host ?? '127.0.0.1');
    if (problem) problems.push(problem);
  }
  for (const problem of problems) {
    process.stderr.write(`devportal: error: ${problem}\n`);
  }
  if (problems.length > 0) process.exitCode = 1;
}

async function parseConfigFile(file: string, problems: string[]) {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    problems.push(`cannot read config file ${file}: ${(error as NodeJS.ErrnoException).code}`);
    return undefined;
  }
  const doc = YAML.parseDocument(text);
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0];
    problems.push(`${file}:${line}:${col}: invalid YAML: ${error.message.split('\n')[0]}`);
    return undefined;
  }
  const value = doc.toJS();
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) {
    problems.push(`${file}: an app-config file must hold a mapping of keys at the top level`);
    return undefined;
  }
  return (value ?? {}) as Record<string, unknown>;
}

function checkDatabase(config: Record<string, any>): string[] {
  const database = config.backend?.database;
  if (!database) return [];
  const client = database.client;
  if (!DATABASE_CLIENTS.includes(client)) {
    return [
      `unknown database client '${client}' in backend.database.client; use better-sqlite3 (embedded) or pg (PostgreSQL)`,
    ];
  }
  if (client !== 'pg' || typeof database.connection !== 'object') return [];
  // ${VAR} in connection settings must be set, or pg silently connects to defaults.
  const missing = Object.values(database.connection as Record<string, unknown>)
    .flatMap(value => (typeof value === 'string' ? [...value.matchAll(/\$\{(\w+)\}/g)] : []))
    .map(match => match[1])
    .filter(name => !process.env[name]);
  return missing.length > 0
    ? [`PostgreSQL is configured but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not set in the environment`]
    : [];
}

/** Why `port` cannot be listened on, in one line; the supervisor says the same when it takes the port. */
export function listenProblem(port: number, host: string | undefined, error: NodeJS.ErrnoException): string {
  return error.code === 'EADDRINUSE'
    ? `port ${port} is already in use; stop what runs there or set DEVPORTAL_PORT to a free port`
    : `cannot listen on ${host ?? '*'}:${port}: ${error.code ?? error.message}`;
}

function checkPortFree(port: number, host: string): Promise<string | undefined> {
  return new Promise(resolve => {
    const server = net.createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(listenProblem(port, host, error)));
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}

function deepAssign(target: Record<string, any>, source: Record<string, any>) {
  for (const [key, value] of Object.entries(source)) {
    if (value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object' && !Array.isArray(target[key])) {
      deepAssign(target[key], value);
    } else {
      target[key] = value;
    }
  }
}
