import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ini from 'ini';

/**
 * npm settings as pacote and npm-registry-fetch take them: the flat keys of
 * .npmrc (`registry`, `@scope:registry`, `//host/:_authToken`, `_auth`,
 * `proxy`, ...), read the way npm reads them: the user file
 * (`NPM_CONFIG_USERCONFIG` or ~/.npmrc), then the project file next to the
 * plugin config, then `npm_config_*` environment variables; `${VAR}` in
 * values is expanded.
 */
export interface NpmSettings {
  options: Record<string, unknown>;
  /** Values that must never be printed (tokens, passwords). */
  secrets: string[];
}

const SECRET_KEY = /(_authToken|_auth|_password|password|token)$/i;

export function readNpmSettings(projectDir: string, env: NodeJS.ProcessEnv = process.env): NpmSettings {
  const files = [
    env.NPM_CONFIG_USERCONFIG ?? env.npm_config_userconfig ?? path.join(os.homedir(), '.npmrc'),
    path.join(projectDir, '.npmrc'),
  ];
  const raw: Record<string, unknown> = {};
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const [key, value] of Object.entries(ini.parse(text))) {
      raw[key] = typeof value === 'string' ? expandEnv(value, env) : value;
    }
  }
  for (const [name, value] of Object.entries(env)) {
    const match = /^npm_config_(.+)$/i.exec(name);
    if (!match || value === undefined) continue;
    const key = match[1].toLowerCase();
    if (key === 'userconfig') continue;
    // npm maps `_` to `-` for ordinary keys (npm_config_https_proxy).
    raw[key.startsWith('_') || key.startsWith('//') ? key : key.replace(/_/g, '-')] = value;
  }

  const options: Record<string, unknown> = { ...raw };
  // make-fetch-happen's names for the proxy settings.
  const proxy = raw['https-proxy'] ?? raw.proxy;
  if (proxy) options.proxy = proxy;
  if (raw.noproxy) options.noProxy = raw.noproxy;
  if (raw['strict-ssl'] !== undefined) options.strictSSL = raw['strict-ssl'] !== false && raw['strict-ssl'] !== 'false';

  const secrets = Object.entries(raw)
    .filter(([key, value]) => SECRET_KEY.test(key) && typeof value === 'string' && value.length > 0)
    .flatMap(([key, value]) => {
      const secret = value as string;
      // `_auth` is base64 of user:password; hide the decoded password too.
      if (key.endsWith('_auth')) {
        const decoded = Buffer.from(secret, 'base64').toString();
        return [secret, decoded, decoded.split(':').slice(1).join(':')].filter(Boolean);
      }
      if (key.endsWith('_password')) {
        return [secret, Buffer.from(secret, 'base64').toString()];
      }
      return [secret];
    });
  return { options, secrets };
}

function expandEnv(value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{([^}]+)\}/g, (_, name) => env[name] ?? '');
}

/** Replaces every known secret in a message. */
export function redact(message: string, secrets: string[]): string {
  let result = message;
  for (const secret of secrets) {
    if (secret.length >= 4) result = result.split(secret).join('***');
  }
  return result;
}
