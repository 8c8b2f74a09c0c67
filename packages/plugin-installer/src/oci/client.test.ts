import fs from 'node:fs';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { InstallError } from '../errors';
import { computeDigest } from '../verify/digest';
import { choosePluginPath, decodeDynamicPackages, DYNAMIC_PACKAGES_ANNOTATION, encodeDynamicPackages } from './annotations';
import { OciClient } from './client';
import { pushImage, pushImageDescriptor, pushIndex } from '../publish/push';
import { parseOciReference } from './reference';
import {
  cleanupTempDirs,
  closedPort,
  forward,
  listTarGz,
  makePluginLayer,
  startDroppingServer,
  startProxy,
  listen,
  tempDir,
  testOptions,
  writeAuthFile,
} from '../../testing/ociTestkit';

jest.setTimeout(60_000);

const TWO_PLUGINS = {
  'backstage-plugin-hello': { name: '@devportal/backstage-plugin-hello', version: '1.0.0', backstage: { role: 'frontend-plugin' } },
  'backstage-plugin-hello-backend': {
    name: '@devportal/backstage-plugin-hello-backend',
    version: '1.0.0',
    backstage: { role: 'backend-plugin' },
  },
};
const ONE_PLUGIN = { 'backstage-plugin-solo': { name: 'backstage-plugin-solo', version: '2.0.0' } };

function annotationsFor(plugins: Record<string, Record<string, unknown>>) {
  return {
    [DYNAMIC_PACKAGES_ANNOTATION]: encodeDynamicPackages(Object.entries(plugins).map(([p, info]) => ({ path: p, packageInfo: info }))),
    'org.opencontainers.image.title': 'test image',
  };
}

async function failure(promise: Promise<unknown>): Promise<InstallError> {
  const error = await promise.then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InstallError);
  return error as InstallError;
}

afterAll(() => cleanupTempDirs());

describe('OciClient with a real registry (docker-registry)', () => {
  let registry: StartedRegistry;
  const twoLayer = makePluginLayer(TWO_PLUGINS);
  const oneLayer = makePluginLayer(ONE_PLUGIN);
  let twoDigest: string;

  beforeAll(async () => {
    registry = await startRegistry();
    twoDigest = await pushImage(`oci://${registry.host}/plugins/hello:1.0.0`, {
      ...testOptions(),
      layers: [{ data: twoLayer }],
      annotations: annotationsFor(TWO_PLUGINS),
    });
    await pushImage(`oci://${registry.host}/plugins/solo:2.0.0`, {
      ...testOptions(),
      layers: [{ data: oneLayer }],
      annotations: annotationsFor(ONE_PLUGIN),
    });
  });
  afterAll(() => registry?.stop());

  it('pushes an image with two plugins, pulls its manifest and fetches the layer with a verified digest', async () => {
    const client = new OciClient(testOptions());
    const pulled = await client.getManifest(`oci://${registry.host}/plugins/hello:1.0.0`);
    expect(pulled.digest).toBe(twoDigest);
    expect(pulled.resolvedDigest).toBe(twoDigest);
    expect(pulled.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(pulled.layers).toHaveLength(1);
    expect(pulled.layers[0]).toMatchObject({ digest: computeDigest(twoLayer), size: twoLayer.length });
    expect(decodeDynamicPackages(pulled.annotations)?.map(p => p.path)).toEqual(Object.keys(TWO_PLUGINS));
    expect(pulled.annotations['org.opencontainers.image.title']).toBe('test image');

    const dest = path.join(tempDir(), 'layer.tar.gz');
    const blob = await client.fetchBlob(`oci://${registry.host}/plugins/hello:1.0.0`, pulled.layers[0].digest, dest, {
      expectedSize: pulled.layers[0].size,
    });
    expect(blob).toEqual({ file: dest, digest: computeDigest(twoLayer), size: twoLayer.length });
    expect(fs.readFileSync(dest).equals(twoLayer)).toBe(true);
    expect(listTarGz(dest)).toEqual(
      expect.arrayContaining(['backstage-plugin-hello/package.json', 'backstage-plugin-hello-backend/package.json']),
    );
  });

  it('pushing the same inputs again gives the same manifest digest', async () => {
    const again = await pushImage(`oci://${registry.host}/plugins/hello:again`, {
      ...testOptions(),
      layers: [{ data: twoLayer }],
      annotations: annotationsFor(TWO_PLUGINS),
    });
    expect(again).toBe(twoDigest);
  });

  it('pushes a layer from a file as well as from a buffer', async () => {
    const file = path.join(tempDir(), 'layer.tar.gz');
    fs.writeFileSync(file, twoLayer);
    const digest = await pushImage(`oci://${registry.host}/plugins/from-file:1`, {
      ...testOptions(),
      layers: [{ file }],
      annotations: annotationsFor(TWO_PLUGINS),
    });
    expect(digest).toBe(twoDigest);
  });

  it('HEAD digest equals the pulled manifest digest', async () => {
    const client = new OciClient(testOptions());
    const ref = `oci://${registry.host}/plugins/hello:1.0.0`;
    expect(await client.headManifestDigest(ref)).toBe((await client.getManifest(ref)).digest);
  });

  it('HEAD without Docker-Content-Digest falls back to hashing the manifest', async () => {
    const proxy = await startProxy(registry.url, (req, res) => {
      if (!req.url!.includes('/manifests/')) return false;
      forward(registry.url, req, res, (_status, headers, body) => {
        delete headers['docker-content-digest'];
        return body;
      });
      return true;
    });
    try {
      const client = new OciClient(testOptions());
      expect(await client.headManifestDigest(`oci://${proxy.host}/plugins/hello:1.0.0`)).toBe(twoDigest);
      expect(proxy.requests.filter(r => r.includes('/manifests/')).map(r => r.split(' ')[0])).toEqual(['HEAD', 'GET']);
    } finally {
      await proxy.close();
    }
  });

  it('a reference pinned by digest pulls that manifest and verifies it', async () => {
    const client = new OciClient(testOptions());
    const pulled = await client.getManifest(`oci://${registry.host}/plugins/hello@${twoDigest}!backstage-plugin-hello`);
    expect(pulled.digest).toBe(twoDigest);
    expect(await client.headManifestDigest(`oci://${registry.host}/plugins/hello@${twoDigest}`)).toBe(twoDigest);
  });

  it('an image with one plugin and no !dir gives that plugin', async () => {
    const ref = parseOciReference(`oci://${registry.host}/plugins/solo:2.0.0`);
    const pulled = await new OciClient(testOptions()).getManifest(ref);
    expect(choosePluginPath(ref, pulled.annotations)).toBe('backstage-plugin-solo');
  });

  it('an image with two plugins and no !dir is AMBIGUOUS_OCI_IMAGE naming the choices; !dir picks one', async () => {
    const ref = parseOciReference(`oci://${registry.host}/plugins/hello:1.0.0`);
    const pulled = await new OciClient(testOptions()).getManifest(ref);
    let error: InstallError | undefined;
    try {
      choosePluginPath(ref, pulled.annotations);
    } catch (e) {
      error = e as InstallError;
    }
    expect(error?.code).toBe('AMBIGUOUS_OCI_IMAGE');
    expect(error?.message).toContain('backstage-plugin-hello');
    expect(error?.message).toContain('backstage-plugin-hello-backend');
    expect(choosePluginPath({ ...ref, pluginPath: 'backstage-plugin-hello-backend' }, pulled.annotations)).toBe(
      'backstage-plugin-hello-backend',
    );
  });

  it('picks linux/amd64 from a multi-platform index by default, or the platform asked for', async () => {
    const platforms = [
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'amd64' },
      { os: 'windows', architecture: 'amd64' },
    ];
    const descriptors = [];
    for (const platform of platforms) {
      const plugins = { [`plugin-${platform.os}-${platform.architecture}`]: { name: `p-${platform.architecture}` } };
      descriptors.push({
        ...(await pushImageDescriptor(`oci://${registry.host}/plugins/multi:${platform.os}-${platform.architecture}`, {
          ...testOptions(),
          layers: [{ data: makePluginLayer(plugins) }],
          annotations: annotationsFor(plugins),
          platform,
        })),
        platform,
      });
    }
    const ref = `oci://${registry.host}/plugins/multi:1.0`;
    const indexDigest = await pushIndex(ref, { ...testOptions(), manifests: descriptors, annotations: { 'index.note': 'x' } });
    const client = new OciClient(testOptions());

    const pulled = await client.getManifest(ref);
    expect(pulled.digest).toBe(descriptors[1].digest);
    expect(pulled.resolvedDigest).toBe(indexDigest);
    expect(pulled.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(choosePluginPath(parseOciReference(ref), pulled.annotations)).toBe('plugin-linux-amd64');
    expect(pulled.annotations['index.note']).toBe('x');
    expect(await client.headManifestDigest(ref)).toBe(indexDigest);

    expect((await client.getManifest(ref, { platform: 'linux/arm64/v8' })).digest).toBe(descriptors[0].digest);
    const error = await failure(client.getManifest(ref, { platform: 'linux/s390x' }));
    expect(error.code).toBe('NO_MATCHING_PLATFORM');
    expect(error.message).toContain('linux/arm64/v8, linux/amd64, windows/amd64');
  });

  it('a missing tag is OCI_NOT_FOUND, not retried', async () => {
    const proxy = await startProxy(registry.url);
    try {
      const error = await failure(new OciClient(testOptions()).getManifest(`oci://${proxy.host}/plugins/hello:nope`));
      expect(error.code).toBe('OCI_NOT_FOUND');
      expect(error.message).toContain(`oci://${proxy.host}/plugins/hello:nope`);
      expect(proxy.requests.filter(r => r.includes('/manifests/'))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('a blob over maxBytes is BLOB_TOO_LARGE and leaves no file', async () => {
    const dest = path.join(tempDir(), 'layer.tar.gz');
    const error = await failure(
      new OciClient(testOptions()).fetchBlob(`oci://${registry.host}/plugins/hello:1.0.0`, computeDigest(twoLayer), dest, { maxBytes: 100 }),
    );
    expect(error.code).toBe('BLOB_TOO_LARGE');
    expect(fs.existsSync(dest)).toBe(false);
  });

  it('a blob streamed without Content-Length is still cut off at maxBytes', async () => {
    const chunked = await listen((req, res) => {
      if (req.url!.includes('/blobs/')) {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        res.write(twoLayer.subarray(0, 200));
        res.end(twoLayer.subarray(200));
        return;
      }
      forward(registry.url, req, res);
    });
    try {
      const dest = path.join(tempDir(), 'layer.tar.gz');
      const error = await failure(
        new OciClient(testOptions()).fetchBlob(`oci://${chunked.host}/plugins/hello:1.0.0`, computeDigest(twoLayer), dest, { maxBytes: 150 }),
      );
      expect(error.code).toBe('BLOB_TOO_LARGE');
      expect(fs.existsSync(dest)).toBe(false);
    } finally {
      await chunked.close();
    }
  });

  it('a blob served with other bytes than its digest is DIGEST_MISMATCH and the partial file is deleted', async () => {
    const proxy = await startProxy(registry.url, (req, res) => {
      if (!req.url!.includes('/blobs/sha256:')) return false;
      forward(registry.url, req, res, (_status, _headers, body) => {
        const tampered = Buffer.from(body);
        tampered[tampered.length - 10] ^= 0xff;
        return tampered;
      });
      return true;
    });
    try {
      const dest = path.join(tempDir(), 'layer.tar.gz');
      const error = await failure(
        new OciClient(testOptions()).fetchBlob(`oci://${proxy.host}/plugins/hello:1.0.0`, computeDigest(twoLayer), dest),
      );
      expect(error.code).toBe('DIGEST_MISMATCH');
      expect(error.message).toContain(computeDigest(twoLayer));
      expect(fs.existsSync(dest)).toBe(false);
      // Not retried: a wrong body is not a transient failure.
      expect(proxy.requests.filter(r => r.includes('/blobs/'))).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('a manifest pinned by digest but served with other bytes is DIGEST_MISMATCH', async () => {
    const soloDigest = (await new OciClient(testOptions()).getManifest(`oci://${registry.host}/plugins/solo:2.0.0`)).digest;
    const proxy = await startProxy(registry.url, (req, res) => {
      if (!req.url!.includes(`/manifests/${twoDigest}`)) return false;
      req.url = `/v2/plugins/solo/manifests/${soloDigest}`;
      forward(registry.url, req, res);
      return true;
    });
    try {
      const error = await failure(new OciClient(testOptions()).getManifest(`oci://${proxy.host}/plugins/hello@${twoDigest}`));
      expect(error.code).toBe('DIGEST_MISMATCH');
      expect(error.message).toContain(twoDigest);
    } finally {
      await proxy.close();
    }
  });

  it('an HTTP 500 then success is retried and succeeds', async () => {
    let failures = 0;
    const proxy = await startProxy(registry.url, (req, res) => {
      if (req.url!.includes('/manifests/') && failures < 2) {
        failures++;
        res.writeHead(500).end('boom');
        return true;
      }
      return false;
    });
    try {
      const pulled = await new OciClient(testOptions()).getManifest(`oci://${proxy.host}/plugins/hello:1.0.0`);
      expect(pulled.digest).toBe(twoDigest);
      expect(failures).toBe(2);
      expect(proxy.requests.filter(r => r.includes('/manifests/'))).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });

  it('a blob download cut off mid-way is retried from the start and ends verified', async () => {
    let cut = 0;
    const server = await listen((req, res) => {
      if (req.url!.includes('/blobs/') && cut === 0) {
        cut++;
        res.writeHead(200, { 'content-length': String(twoLayer.length) });
        res.write(twoLayer.subarray(0, 100), () => res.destroy());
        return;
      }
      forward(registry.url, req, res);
    });
    try {
      const dest = path.join(tempDir(), 'layer.tar.gz');
      await new OciClient(testOptions()).fetchBlob(`oci://${server.host}/plugins/hello:1.0.0`, computeDigest(twoLayer), dest);
      expect(cut).toBe(1);
      expect(fs.readFileSync(dest).equals(twoLayer)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a 503 on every attempt is REGISTRY_UNREACHABLE after the bounded retries', async () => {
    const proxy = await startProxy(registry.url, (_req, res) => {
      res.writeHead(503, { 'retry-after': '0' }).end();
      return true;
    });
    try {
      const error = await failure(new OciClient(testOptions({ retries: 3 })).getManifest(`oci://${proxy.host}/plugins/hello:1.0.0`));
      expect(error.code).toBe('REGISTRY_UNREACHABLE');
      expect(error.message).toContain('HTTP 503');
      expect(error.message).toContain('4 attempts');
      expect(proxy.requests).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });
});

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

describe('basic auth (docker-registry with htpasswd)', () => {
  let registry: StartedRegistry;
  const password = 'correct-horse-battery';
  const layer = makePluginLayer(ONE_PLUGIN);

  beforeAll(async () => {
    registry = await startRegistry({ htpasswd: { user: 'alice', password } });
  });
  afterAll(() => registry?.stop());

  it('without credentials is REGISTRY_AUTH_FAILED saying where it looked', async () => {
    const error = await failure(new OciClient(testOptions()).getManifest(`oci://${registry.host}/plugins/solo:2.0.0`));
    expect(error.code).toBe('REGISTRY_AUTH_FAILED');
    expect(error.message).toContain('no credentials were found');
    expect(error.message).toContain('REGISTRY_AUTH_FILE');
  });

  it('with the right credentials in REGISTRY_AUTH_FILE pushes and pulls', async () => {
    const authFile = writeAuthFile(registry.host, 'alice', password);
    const options = testOptions({ env: { REGISTRY_AUTH_FILE: authFile } });
    const digest = await pushImage(`oci://${registry.host}/plugins/solo:2.0.0`, {
      ...options,
      layers: [{ data: layer }],
      annotations: annotationsFor(ONE_PLUGIN),
    });
    const client = new OciClient(options);
    const pulled = await client.getManifest(`oci://${registry.host}/plugins/solo:2.0.0`);
    expect(pulled.digest).toBe(digest);
    const dest = path.join(tempDir(), 'layer.tar.gz');
    await client.fetchBlob(`oci://${registry.host}/plugins/solo:2.0.0`, pulled.layers[0].digest, dest);
    expect(fs.readFileSync(dest).equals(layer)).toBe(true);
  });

  it('wrong credentials are REGISTRY_AUTH_FAILED and the password is not in the message', async () => {
    const authFile = writeAuthFile(registry.host, 'alice', 'wrong-password-123');
    const error = await failure(
      new OciClient(testOptions({ env: { REGISTRY_AUTH_FILE: authFile } })).getManifest(`oci://${registry.host}/plugins/solo:2.0.0`),
    );
    expect(error.code).toBe('REGISTRY_AUTH_FAILED');
    expect(error.message).toContain("user 'alice'");
    expect(error.message).toContain(authFile);
    expect(error.message).not.toContain('wrong-password-123');
    expect(error.message).not.toContain(Buffer.from('alice:wrong-password-123').toString('base64'));
  });
});

describe('Bearer token auth in front of a real registry', () => {
  let registry: StartedRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it('pushes and pulls through a token-auth proxy, asking for pull,push scope to push', async () => {
    const scopes: string[] = [];
    const tokens = new Map<string, string>();
    const proxy = await startProxy(registry.url, (req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        if (req.headers.authorization !== `Basic ${Buffer.from('bob:builder').toString('base64')}`) {
          res.writeHead(401).end();
          return true;
        }
        const scope = url.searchParams.get('scope') ?? '';
        scopes.push(scope);
        const token = `t${tokens.size}`;
        tokens.set(token, scope);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token }));
        return true;
      }
      const needed = req.method === 'GET' || req.method === 'HEAD' ? 'pull' : 'push';
      const granted = tokens.get(req.headers.authorization?.replace(/^Bearer /, '') ?? '');
      const repo = url.pathname.match(/^\/v2\/(.+?)\/(manifests|blobs)\//)?.[1];
      if (!granted || !repo || !granted.startsWith(`repository:${repo}:`) || !granted.split(':')[2].split(',').includes(needed)) {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="proxy",scope="repository:${repo}:${needed === 'push' ? 'pull,push' : 'pull'}"`,
          })
          .end();
        return true;
      }
      delete req.headers.authorization;
      return false;
    });
    try {
      const options = testOptions({ credentials: { username: 'bob', password: 'builder' } });
      const ref = `oci://${proxy.host}/plugins/solo:3.0.0`;
      const digest = await pushImage(ref, { ...options, layers: [{ data: makePluginLayer(ONE_PLUGIN) }], annotations: annotationsFor(ONE_PLUGIN) });
      expect(scopes).toContain('repository:plugins/solo:pull,push');
      const pulled = await new OciClient(options).getManifest(ref);
      expect(pulled.digest).toBe(digest);
      expect(scopes).toContain('repository:plugins/solo:pull');
    } finally {
      await proxy.close();
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
