import fs from 'node:fs';
import path from 'node:path';
import { computeDigest } from '../verify/digest';
import { OciClient } from './client';
import {
  cleanupTempDirs,
  closedPort,
  failure,
  listen,
  startDroppingServer,
  tempDir,
  testOptions,
} from '../../testing/ociTestkit';

jest.setTimeout(60_000);

afterAll(() => cleanupTempDirs());

describe('registry down or not answering', () => {
  it('connection refused is REGISTRY_UNREACHABLE with host and reason after the bounded retries', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await failure(new OciClient(testOptions({ retries: 2, retryBaseDelayMs: 20 })).getManifest(`oci://127.0.0.1:${port}/a/b:1`));
    expect(error.code).toBe('REGISTRY_UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('connection refused (ECONNREFUSED)');
    expect(error.message).toContain('3 attempts');
    expect(Date.now() - started).toBeGreaterThanOrEqual(60); // 20 + 40 ms of backoff
  });

  it('connections dropped by the server are retried a bounded number of times', async () => {
    const server = await startDroppingServer();
    try {
      const error = await failure(new OciClient(testOptions({ retries: 2 })).getManifest(`oci://${server.host}/a/b:1`));
      expect(error.code).toBe('REGISTRY_UNREACHABLE');
      expect(server.connections()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('a registry that never answers times out: REGISTRY_UNREACHABLE naming the timeout', async () => {
    const server = await listen(() => {
      /* never answers */
    });
    try {
      const error = await failure(
        new OciClient(testOptions({ retries: 1, timeoutMs: 150 })).getManifest(`oci://${server.host}/a/b:1`),
      );
      expect(error.code).toBe('REGISTRY_UNREACHABLE');
      expect(error.message).toContain('timed out after 150 ms');
      expect(error.message).toContain('2 attempts');
    } finally {
      await server.close();
    }
  });
});

describe('OciClient digests read from a manifest or given by the caller', () => {
  const layerDigests = new Map<string, string>();
  let server: Awaited<ReturnType<typeof listen>>;
  let requests: string[];

  beforeAll(async () => {
    requests = [];
    server = await listen((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      const repo = req.url!.match(/^\/v2\/(.+?)\/manifests\//)?.[1];
      const digest = repo && layerDigests.get(repo);
      if (!digest) {
        res.writeHead(404).end();
        return;
      }
      const manifest = {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: computeDigest(Buffer.from('{}')), size: 2 },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest, size: 1 }],
      };
      res.writeHead(200, { 'content-type': manifest.mediaType }).end(JSON.stringify(manifest));
    });
  });
  afterAll(() => server?.close());

  it.each([
    ['a malformed digest', 'bad', 'sha256:abc'],
    ['upper-case hex', 'upper', `sha256:${'A'.repeat(64)}`],
    ['a well-formed digest of an unknown algorithm', 'sha384', `sha384:${'a'.repeat(96)}`],
    ['no digest at all', 'none', 42],
  ])('refuses a layer with %s as MANIFEST_INVALID', async (_what, repo, digest) => {
    layerDigests.set(`plugins/${repo}`, digest as string);
    const error = await failure(new OciClient(testOptions()).getManifest(`oci://${server.host}/plugins/${repo}:1.0.0`));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toBe(
      `manifest oci://${server.host}/plugins/${repo}:1.0.0 layers[0]: '${String(digest)}' is not a valid digest`,
    );
  });

  it('refuses a layer with a blake3 digest as UNSUPPORTED_DIGEST_ALGORITHM', async () => {
    layerDigests.set('plugins/blake3', `blake3:${'a'.repeat(64)}`);
    const error = await failure(new OciClient(testOptions()).getManifest(`oci://${server.host}/plugins/blake3:1.0.0`));
    expect(error.code).toBe('UNSUPPORTED_DIGEST_ALGORITHM');
    expect(error.message).toBe(
      `manifest oci://${server.host}/plugins/blake3:1.0.0 layers[0]: digest algorithm 'blake3' is not supported (use sha256 or sha512)`,
    );
  });

  it('refuses a malformed blob digest before any request', async () => {
    const before = requests.length;
    const dest = path.join(tempDir(), 'blob');
    const error = await failure(new OciClient(testOptions()).fetchBlob(`oci://${server.host}/plugins/x:1.0.0`, `md5:${'a'.repeat(32)}`, dest));
    expect(error.code).toBe('MANIFEST_INVALID');
    expect(error.message).toContain(`'md5:${'a'.repeat(32)}' is not a valid digest`);
    expect(requests.length).toBe(before);
    expect(fs.existsSync(dest)).toBe(false);
  });
});
