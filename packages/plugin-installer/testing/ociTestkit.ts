/**
 * Helpers for the OCI tests: plugin layers, tiny local HTTP servers and a
 * proxy in front of a real registry that can fail or tamper with requests.
 * Not used by the CLI itself.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { InstallError } from '../src/errors';
import { DYNAMIC_PACKAGES_ANNOTATION, encodeDynamicPackages } from '../src/oci/annotations';
import type { OciTransportOptions } from '../src/oci/transport';

const tempDirs: string[] = [];

/** A new temporary folder, removed by `cleanupTempDirs`. */
export function tempDir(prefix = 'devportal-oci-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function cleanupTempDirs() {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * A `.tar.gz` layer in the RHDH layout: one top-level folder per plugin with
 * its package.json and a `dist/index.js`.
 */
export function makePluginLayer(plugins: Record<string, Record<string, unknown>>): Buffer {
  const dir = tempDir('devportal-oci-layer-');
  try {
    const root = path.join(dir, 'root');
    for (const [folder, pkg] of Object.entries(plugins)) {
      fs.mkdirSync(path.join(root, folder, 'dist'), { recursive: true });
      fs.writeFileSync(path.join(root, folder, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
      fs.writeFileSync(path.join(root, folder, 'dist', 'index.js'), `module.exports = ${JSON.stringify(pkg.name)};\n`);
    }
    const out = path.join(dir, 'layer.tar.gz');
    execFileSync('tar', ['-C', root, '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '-czf', out, ...Object.keys(plugins)]);
    return fs.readFileSync(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The entries of a `.tar.gz`, as `tar -tzf` lists them. */
export function listTarGz(file: string): string[] {
  return execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

export interface LocalServer {
  host: string;
  url: string;
  port: number;
  close(): Promise<void>;
}

/** An HTTP server on a free loopback port. */
export async function listen(handler: http.RequestListener): Promise<LocalServer> {
  const server = http.createServer(handler);
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A proxy to `target` (a registry URL). `intercept` may answer a request
 * itself (return true) or let it through; `rewrite` may replace an upstream
 * response body.
 */
export async function startProxy(
  target: string,
  intercept?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean | Promise<boolean>,
): Promise<LocalServer & { requests: string[] }> {
  const requests: string[] = [];
  const server = await listen(async (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    if (intercept && (await intercept(req, res))) return;
    forward(target, req, res);
  });
  return { ...server, requests };
}

/** Sends `req` on to `target` and its answer back, keeping the Host header. */
export function forward(
  target: string,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  transform?: (status: number, headers: http.IncomingHttpHeaders, body: Buffer) => Buffer,
) {
  const headers = { ...req.headers };
  const upstream = http.request(`${target}${req.url}`, { method: req.method, headers }, up => {
    if (!transform) {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    up.on('data', c => chunks.push(c));
    up.on('end', () => {
      const body = transform(up.statusCode ?? 502, up.headers, Buffer.concat(chunks));
      const outHeaders = { ...up.headers, 'content-length': String(body.length) };
      res.writeHead(up.statusCode ?? 502, outHeaders);
      res.end(body);
    });
  });
  upstream.on('error', () => {
    res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
}

/**
 * A handler that sends `chunk` over and over until the client goes away,
 * and reports how many bytes it wrote: a registry that never stops.
 */
export function endlessBody(headers: http.OutgoingHttpHeaders, onClose: (bytesSent: number) => void, chunk = Buffer.alloc(64 * 1024, 0x61)): http.RequestListener {
  return (_req, res) => {
    let sent = 0;
    res.writeHead(200, headers);
    const pump = () => {
      // Stops at the first full buffer and resumes on drain: the bytes
      // counted are the ones the client let through.
      while (!res.destroyed && sent < 4 * 1024 ** 3) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    res.on('close', () => onClose(sent));
    pump();
  };
}

/** A TCP server that accepts connections and drops them at once, counting them. */
export async function startDroppingServer(): Promise<{ host: string; connections(): number; close(): Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer(socket => {
    count++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

/** A loopback port with nothing listening on it. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return port;
}

/**
 * Transport options for tests: quick retries, and an environment whose auth
 * files are in an empty temporary home (never the developer's own).
 */
export function testOptions(extra: OciTransportOptions = {}): OciTransportOptions {
  const home = tempDir('devportal-oci-home-');
  return { retries: 2, retryBaseDelayMs: 10, timeoutMs: 10_000, env: { HOME: home }, ...extra };
}

/** Writes a containers auth.json for `host` and returns its path. */
export function writeAuthFile(host: string, username: string, password: string): string {
  const file = path.join(tempDir('devportal-oci-auth-'), 'auth.json');
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  fs.writeFileSync(file, JSON.stringify({ auths: { [host]: { auth } } }));
  return file;
}

/** Plugin folders of a test image, as `makePluginLayer` takes them. */
export const TWO_PLUGINS = {
  'backstage-plugin-hello': { name: '@devportal/backstage-plugin-hello', version: '1.0.0', backstage: { role: 'frontend-plugin' } },
  'backstage-plugin-hello-backend': {
    name: '@devportal/backstage-plugin-hello-backend',
    version: '1.0.0',
    backstage: { role: 'backend-plugin' },
  },
};
export const ONE_PLUGIN = { 'backstage-plugin-solo': { name: 'backstage-plugin-solo', version: '2.0.0' } };

/** The manifest annotations of an image holding `plugins` (RHDH's layout). */
export function annotationsFor(plugins: Record<string, Record<string, unknown>>) {
  return {
    [DYNAMIC_PACKAGES_ANNOTATION]: encodeDynamicPackages(Object.entries(plugins).map(([p, info]) => ({ path: p, packageInfo: info }))),
    'org.opencontainers.image.title': 'test image',
  };
}

/** The `InstallError` a promise rejects with (fails the test if it resolves or throws anything else). */
export async function failure(promise: Promise<unknown>): Promise<InstallError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  return error as InstallError;
}
