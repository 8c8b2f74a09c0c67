/**
 * A throw-away OCI registry for tests: Debian's `docker-registry`
 * (distribution v2) on a free loopback port, storing into a temporary folder,
 * optionally behind htpasswd basic auth.
 *
 * Imported both by node:test suites (Node 22 running .ts directly) and by jest
 * suites (compiled to CommonJS), so: only node built-ins and `./ports.ts`
 * (built-ins only too; named with its `.ts` extension, which both resolve),
 * erasable TypeScript only, no top-level await and no `import.meta`.
 */
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.ts';

const REGISTRY_BIN = process.env.DEVPORTAL_REGISTRY_BIN ?? '/usr/bin/docker-registry';

export interface RegistryOptions {
  /** Requires HTTP basic auth with this single user. */
  htpasswd?: { user: string; password: string };
  /** How long to wait for `/v2/` to answer. Default 30 s. */
  startTimeoutMs?: number;
}

export interface StartedRegistry {
  /** `127.0.0.1:<port>`, as written in `oci://` references. */
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** The folder holding the registry's blobs and config. */
  dir: string;
  /** What the registry printed, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export async function startRegistry(options: RegistryOptions = {}): Promise<StartedRegistry> {
  if (!fs.existsSync(REGISTRY_BIN)) {
    throw new Error(
      `${REGISTRY_BIN} not found: the OCI tests need Debian's docker-registry (apt-get install -y docker-registry)`,
    );
  }
  let lastError: unknown;
  // The port is free when picked but could be taken before the registry binds it.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      lastError = error;
      if (!String(error).includes('address already in use')) throw error;
    }
  }
  throw lastError;
}

async function startOnce(options: RegistryOptions): Promise<StartedRegistry> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-registry-'));
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storage)}`,
    '  delete:',
    '    enabled: true',
    '  redirect:',
    '    disable: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${crypto.randomBytes(16).toString('hex')}`,
  ];
  if (options.htpasswd) {
    const file = path.join(dir, 'htpasswd');
    fs.writeFileSync(file, `${options.htpasswd.user}:${bcryptHash(options.htpasswd.password)}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: devportal-test', `    path: ${JSON.stringify(file)}`);
  }
  const configFile = path.join(dir, 'config.yml');
  fs.writeFileSync(configFile, `${lines.join('\n')}\n`);

  const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-64_000);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  let spawnError: Error | undefined;
  child.once('error', e => (spawnError = e));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  for (;;) {
    if (spawnError || child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited: ${spawnError?.message ?? ''}${output}`);
    }
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.status === 200 || res.status === 401) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`docker-registry did not answer on ${url}/v2/: ${output}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, port, url, dir, logs: () => output, stop };
}

// ---------------------------------------------------------------------------
// bcrypt ($2b$), the only hash docker-registry's htpasswd accepts. Written here
// so that the tests need neither apache2-utils nor an npm package. Blowfish's
// initial P-array and S-boxes are the fractional hex digits of pi, computed
// once with BigInt (Machin's formula) instead of a 1042-word table.
// ---------------------------------------------------------------------------

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
let piWords: Uint32Array | undefined;

function blowfishInitialWords(): Uint32Array {
  if (piWords) return piWords;
  const words = 18 + 4 * 256;
  const bits = BigInt(words * 32 + 64);
  const one = 1n << bits;
  const arctanInv = (x: bigint) => {
    let sum = 0n;
    let power = one / x;
    const x2 = x * x;
    for (let k = 1n, sign = 1n; power !== 0n; k += 2n, sign = -sign) {
      sum += (sign * power) / k;
      power /= x2;
    }
    return sum;
  };
  const pi = 16n * arctanInv(5n) - 4n * arctanInv(239n);
  const fraction = (pi - 3n * one) >> 64n; // drop the integer part and the guard bits
  const out = new Uint32Array(words);
  for (let i = 0; i < words; i++) {
    out[i] = Number((fraction >> BigInt((words - 1 - i) * 32)) & 0xffffffffn);
  }
  piWords = out;
  return out;
}

/** A bcrypt hash of `password` (cost 4 unless told: fast, fine for tests). */
export function bcryptHash(password: string, cost = 4, salt: Buffer = crypto.randomBytes(16)): string {
  const init = blowfishInitialWords();
  const P = init.slice(0, 18);
  const S = init.slice(18);
  const key = Buffer.concat([Buffer.from(password, 'utf8'), Buffer.from([0])]).subarray(0, 72);

  const F = (x: number) =>
    ((((S[x >>> 24] + S[256 + ((x >>> 16) & 0xff)]) ^ S[512 + ((x >>> 8) & 0xff)]) + S[768 + (x & 0xff)]) >>> 0);
  const block = new Uint32Array(2);
  const encipher = () => {
    let l = block[0];
    let r = block[1];
    l ^= P[0];
    for (let i = 1; i < 17; i += 2) {
      r ^= F(l) ^ P[i];
      l ^= F(r) ^ P[i + 1];
    }
    block[0] = r ^ P[17];
    block[1] = l;
  };
  const streamWord = (data: Buffer, pos: { i: number }) => {
    let word = 0;
    for (let k = 0; k < 4; k++) {
      word = ((word << 8) | data[pos.i]) >>> 0;
      pos.i = (pos.i + 1) % data.length;
    }
    return word;
  };
  const expand = (data: Buffer | undefined, keyBytes: Buffer) => {
    const keyPos = { i: 0 };
    for (let i = 0; i < 18; i++) P[i] = (P[i] ^ streamWord(keyBytes, keyPos)) >>> 0;
    const dataPos = { i: 0 };
    block[0] = 0;
    block[1] = 0;
    const fill = (target: Uint32Array, count: number) => {
      for (let i = 0; i < count; i += 2) {
        if (data) {
          block[0] ^= streamWord(data, dataPos);
          block[1] ^= streamWord(data, dataPos);
        }
        encipher();
        target[i] = block[0];
        target[i + 1] = block[1];
      }
    };
    fill(P, 18);
    fill(S, 1024);
  };

  expand(salt, key);
  for (let round = 0; round < 2 ** cost; round++) {
    expand(undefined, key);
    expand(undefined, salt);
  }
  const text = Buffer.from('OrpheanBeholderScryDoubt', 'latin1');
  const cdata = new Uint32Array(6);
  for (let i = 0; i < 6; i++) cdata[i] = text.readUInt32BE(i * 4);
  for (let n = 0; n < 64; n++) {
    for (let j = 0; j < 6; j += 2) {
      block[0] = cdata[j];
      block[1] = cdata[j + 1];
      encipher();
      cdata[j] = block[0];
      cdata[j + 1] = block[1];
    }
  }
  const hash = Buffer.alloc(24);
  for (let i = 0; i < 6; i++) hash.writeUInt32BE(cdata[i], i * 4);
  return `$2b$${String(cost).padStart(2, '0')}$${bcryptBase64(salt)}${bcryptBase64(hash.subarray(0, 23))}`;
}

function bcryptBase64(data: Buffer): string {
  let out = '';
  for (let i = 0; i < data.length; i += 3) {
    const b0 = data[i];
    const b1 = i + 1 < data.length ? data[i + 1] : 0;
    const b2 = i + 2 < data.length ? data[i + 2] : 0;
    out += BCRYPT_ALPHABET[b0 >> 2] + BCRYPT_ALPHABET[((b0 & 3) << 4) | (b1 >> 4)];
    if (i + 1 < data.length) out += BCRYPT_ALPHABET[((b1 & 15) << 2) | (b2 >> 6)];
    if (i + 2 < data.length) out += BCRYPT_ALPHABET[b2 & 63];
  }
  return out;
}
