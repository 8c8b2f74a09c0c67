import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { tarBuffer } from './tarFixtures';

/**
 * A fake npm registry on a loopback port for tests: packuments at
 * `/<name>` (scoped names URL-encoded, as npm asks for them) and tarballs at
 * `/-/<file>`, both as the test wrote them, lies included. Every request
 * path is recorded.
 */
export interface FakeNpmRegistry {
  url: string;
  requests: string[];
  /** Serves `versions` (as given: a version document may lie) and `dist-tags.latest` for `name`. */
  publish(name: string, versions: Record<string, Record<string, unknown>>, latest?: string): void;
  /** Serves bytes at `/-/<file>`, or lets `handler` answer (e.g. a body that never ends); returns the URL. */
  tarball(file: string, bytes: Buffer | http.RequestListener): string;
  close(): Promise<void>;
}

/** A gzipped npm tarball with `package/package.json` holding `pkg` (text as given), and its integrity strings. */
export function packTarball(pkg: Record<string, unknown> | string) {
  const bytes = zlib.gzipSync(
    tarBuffer([
      { path: 'package/', type: 'dir' },
      { path: 'package/package.json', body: typeof pkg === 'string' ? pkg : JSON.stringify(pkg) },
      { path: 'package/index.js', body: 'exports.x = 1;\n' },
    ]),
  );
  const sri = (algorithm: string) => `${algorithm}-${crypto.createHash(algorithm).update(bytes).digest('base64')}`;
  return { bytes, sha512: sri('sha512'), sha384: sri('sha384'), sha256: sri('sha256') };
}

export async function startFakeNpmRegistry(): Promise<FakeNpmRegistry> {
  const packuments = new Map<string, unknown>();
  const files = new Map<string, Buffer | http.RequestListener>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent((req.url ?? '/').split('?')[0]);
    requests.push(url);
    const body = url.startsWith('/-/') ? files.get(url.slice(3)) : packuments.get(url.slice(1));
    if (typeof body === 'function') {
      body(req, res);
    } else if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    } else if (Buffer.isBuffer(body)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) }).end(body);
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    publish(name, versions, latest = Object.keys(versions).pop()) {
      packuments.set(name, { name, 'dist-tags': { latest }, versions });
    },
    tarball(file, bytes) {
      files.set(file, bytes);
      return `${url}/-/${file}`;
    },
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
