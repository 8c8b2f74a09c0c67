import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../errors';

/** A user name and password for one registry; never printed, except the user name and the file. */
export interface RegistryCredentials {
  username: string;
  password: string;
  /** Where they came from (a file path), for messages. */
  source: string;
}

export interface CredentialLookupOptions {
  /** Environment to read `REGISTRY_AUTH_FILE`, `XDG_RUNTIME_DIR`, `DOCKER_CONFIG`, `HOME` from. */
  env?: NodeJS.ProcessEnv;
  /** An auth file to use instead of the environment's. */
  authFile?: string;
}

/**
 * The auth files to read, in order: `REGISTRY_AUTH_FILE` alone when set (an
 * explicit choice is not mixed with defaults), else
 * `$XDG_RUNTIME_DIR/containers/auth.json`, then `~/.docker/config.json`
 * (`$DOCKER_CONFIG/config.json` when set).
 */
export function authFileCandidates(options: CredentialLookupOptions = {}): { files: string[]; explicit: boolean } {
  const env = options.env ?? process.env;
  const explicit = options.authFile ?? env.REGISTRY_AUTH_FILE;
  if (explicit) return { files: [explicit], explicit: true };
  const files: string[] = [];
  if (env.XDG_RUNTIME_DIR) files.push(path.join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  const dockerDir = env.DOCKER_CONFIG ?? path.join(env.HOME || os.homedir(), '.docker');
  files.push(path.join(dockerDir, 'config.json'));
  return { files, explicit: false };
}

/** The host names Docker Hub goes by in auth files. */
const DOCKER_HUB_NAMES = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/** `https://index.docker.io/v1/` → `index.docker.io`; `quay.io/org/repo` stays. */
function normalizeAuthKey(key: string): string {
  let out = key.trim().replace(/^[a-z]+:\/\//i, '');
  out = out.replace(/\/v[12]\/?$/, '').replace(/\/+$/, '');
  return out;
}

/**
 * Finds credentials for `registry` (and `repository`, for podman's
 * per-repository entries) in the auth files. A missing default file is fine;
 * a missing or unreadable explicit file, or any file that is not valid JSON,
 * throws `InstallError` `REGISTRY_AUTH_FILE_INVALID`.
 */
export async function loadCredentials(
  registry: string,
  repository: string | undefined,
  options: CredentialLookupOptions = {},
): Promise<RegistryCredentials | undefined> {
  const { files, explicit } = authFileCandidates(options);
  const hosts = DOCKER_HUB_NAMES.includes(registry) ? DOCKER_HUB_NAMES : [registry];
  for (const file of files) {
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InstallError(
        `Cannot read the registry auth file ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
        'REGISTRY_AUTH_FILE_INVALID',
      );
    }
    let auths: Record<string, unknown>;
    try {
      const parsed = JSON.parse(text);
      auths = parsed && typeof parsed === 'object' && parsed.auths && typeof parsed.auths === 'object' ? parsed.auths : {};
    } catch {
      throw new InstallError(`The registry auth file ${file} is not valid JSON`, 'REGISTRY_AUTH_FILE_INVALID');
    }
    // Most specific first: host/namespace/repo entries, then the host.
    let best: { length: number; entry: unknown } | undefined;
    for (const [rawKey, entry] of Object.entries(auths)) {
      const key = normalizeAuthKey(rawKey);
      for (const host of hosts) {
        const matches =
          key === host ||
          (repository !== undefined &&
            key.startsWith(`${host}/`) &&
            (`${host}/${repository}` === key || `${host}/${repository}`.startsWith(`${key}/`)));
        if (matches && (!best || key.length > best.length)) best = { length: key.length, entry };
      }
    }
    if (!best) continue;
    const credentials = decodeAuthEntry(best.entry, file);
    if (credentials) return credentials;
  }
  return undefined;
}

function decodeAuthEntry(entry: unknown, source: string): RegistryCredentials | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const e = entry as Record<string, unknown>;
  if (typeof e.auth === 'string' && e.auth.length > 0) {
    const decoded = Buffer.from(e.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new InstallError(`The registry auth file ${source} has an 'auth' entry that is not base64 of user:password`, 'REGISTRY_AUTH_FILE_INVALID');
    }
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source };
  }
  if (typeof e.username === 'string' && typeof e.password === 'string') {
    return { username: e.username, password: e.password, source };
  }
  return undefined;
}

/** One challenge of a `WWW-Authenticate` header. */
export interface AuthChallenge {
  /** Lowercased: `basic`, `bearer`, … */
  scheme: string;
  /** Parameter names lowercased; values unquoted. */
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header, which may hold several challenges:
 * `Bearer realm="https://auth/token",service="reg",scope="repository:a/b:pull", Basic realm="x"`.
 */
export function parseWwwAuthenticate(header: string | null | undefined): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  if (!header) return challenges;
  let i = 0;
  const n = header.length;
  const skip = (chars: string) => {
    while (i < n && chars.includes(header[i])) i++;
  };
  let current: AuthChallenge | undefined;
  while (i < n) {
    skip(' \t,');
    if (i >= n) break;
    const start = i;
    while (i < n && !' \t,='.includes(header[i])) i++;
    const token = header.slice(start, i);
    skip(' \t');
    if (header[i] === '=' && current && header[i + 1] !== '=') {
      i++;
      skip(' \t');
      let value = '';
      if (header[i] === '"') {
        i++;
        while (i < n && header[i] !== '"') {
          if (header[i] === '\\' && i + 1 < n) i++;
          value += header[i++];
        }
        i++; // closing quote
      } else {
        const valueStart = i;
        while (i < n && !' \t,'.includes(header[i])) i++;
        value = header.slice(valueStart, i);
      }
      current.params[token.toLowerCase()] = value;
    } else if (header[i] === '=') {
      // token68 (e.g. `Negotiate abc==`): not used by registries, skip it.
      while (i < n && header[i] !== ',') i++;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}

/** `Basic <base64(user:password)>` */
export function basicAuthorization(credentials: { username: string; password: string }): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}
