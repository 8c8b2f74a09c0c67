import fs from 'node:fs';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { InstallError } from '../errors';
import { computeDigest } from '../verify/digest';
import { choosePluginPath, decodeDynamicPackages } from './annotations';
import { OciClient } from './client';
import { pushImage, pushImageDescriptor, pushIndex } from '../publish/push';
import { parseOciReference } from './reference';
import {
  annotationsFor,
  cleanupTempDirs,
  failure,
  forward,
  listen,
  listTarGz,
  makePluginLayer,
  ONE_PLUGIN,
  startProxy,
  tempDir,
  testOptions,
  TWO_PLUGINS,
} from '../../testing/ociTestkit';

jest.setTimeout(60_000);

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
