import fs from 'node:fs';
import path from 'node:path';
import { startFakeOciRegistry, type FakeOciRegistry } from '../../testing/fakeOciRegistry';
import { annotationsFor, cleanupTempDirs, endlessBody, makePluginLayer, ONE_PLUGIN, tempDir } from '../../testing/ociTestkit';
import { installPlugins, type InstallOptions } from '../install';
import { computeDigest } from '../verify/digest';

/*
 * What one OCI image may make the installer download, against a loopback
 * registry that lies: layer count, layer, image and manifest sizes are
 * refused by what the registry declares before the download, and cut off by
 * what it sends while streaming. Also --require-oci-digest.
 */

jest.setTimeout(30_000);

let registry: FakeOciRegistry;
const layer = makePluginLayer(ONE_PLUGIN);
const FOLDER = Object.keys(ONE_PLUGIN)[0];

beforeAll(async () => {
  registry = await startFakeOciRegistry();
});
afterAll(async () => {
  await registry.close();
  cleanupTempDirs();
});

function workspace(entries: string, extra: Partial<InstallOptions> = {}) {
  const dir = tempDir('devportal-oci-limits-');
  fs.writeFileSync(path.join(dir, 'dynamic-plugins.yaml'), `plugins:\n${entries}`);
  const options: InstallOptions = {
    configFile: path.join(dir, 'dynamic-plugins.yaml'),
    root: path.join(dir, 'root'),
    env: { HOME: dir, NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc') },
    network: { retries: 0, timeoutMs: 5_000 },
    ...extra,
  };
  return { dir, options, install: () => installPlugins(options) };
}

/** Publishes `repo:1.0.0` with `layers` copies of the plugin layer; returns its config entry. */
function image(repo: string, layers = 1, manifest?: (m: any) => any) {
  registry.image(repo, '1.0.0', Array.from({ length: layers }, () => layer), { annotations: annotationsFor(ONE_PLUGIN), manifest });
  return `  - package: oci://${registry.host}/${repo}:1.0.0!${FOLDER}\n`;
}

const blobRequests = (repo: string) => registry.requests.filter(r => r.includes(`/v2/${repo}/blobs/`));

describe('caps on OCI images', () => {
  it('installs an image within the limits', async () => {
    const result = await workspace(image('limits/ok')).install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: FOLDER, source: 'oci' });
  });

  it('refuses more layers than --max-oci-layers before downloading any', async () => {
    const ws = workspace(image('limits/layers', 3), { maxOciLayers: 2 });
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[0].error).toEqual({
      code: 'OCI_TOO_MANY_LAYERS',
      message: `manifest oci://${registry.host}/limits/layers:1.0.0 has 3 layers, over the limit of 2 (raise it with --max-oci-layers)`,
    });
    expect(blobRequests('limits/layers')).toEqual([]);
    expect(fs.existsSync(ws.options.root) && fs.readdirSync(ws.options.root).filter(f => !f.startsWith('.'))).toEqual([]);
  });

  it('refuses a layer declared over --max-oci-layer-size before downloading it', async () => {
    const result = await workspace(image('limits/layer'), { maxOciLayerBytes: layer.length - 1 }).install();
    expect(result.plugins[0].error?.code).toBe('BLOB_TOO_LARGE');
    expect(result.plugins[0].error?.message).toContain(`oci://${registry.host}/limits/layer:1.0.0`);
    expect(result.plugins[0].error?.message).toContain(
      `is ${layer.length} bytes, over the limit of ${layer.length - 1} bytes for a layer (raise it with --max-oci-layer-size)`,
    );
    expect(blobRequests('limits/layer')).toEqual([]);
  });

  it('refuses an image whose layers add up to more than --max-oci-image-size', async () => {
    const result = await workspace(image('limits/image', 2), { maxOciImageBytes: 2 * layer.length - 1 }).install();
    expect(result.plugins[0].error).toEqual({
      code: 'OCI_IMAGE_TOO_LARGE',
      message:
        `manifest oci://${registry.host}/limits/image:1.0.0: its 2 layers are ${2 * layer.length} bytes, ` +
        `over the limit of ${2 * layer.length - 1} bytes for an image (raise it with --max-oci-image-size)`,
    });
    expect(blobRequests('limits/image')).toEqual([]);
  });

  it('stops a layer that streams past its declared size (declared sizes are not trusted alone)', async () => {
    let sent = -1;
    const entry = image('limits/liar', 1, m => ({ ...m, layers: [{ ...m.layers[0], size: 1000 }] }));
    registry.route(`/v2/limits/liar/blobs/${computeDigest(layer)}`, endlessBody({ 'content-type': 'application/octet-stream' }, n => (sent = n)));
    const result = await workspace(entry).install();
    expect(result.plugins[0].error?.code).toBe('DIGEST_MISMATCH');
    expect(result.plugins[0].error?.message).toContain('larger than the 1000 bytes its manifest says');
    await waitFor(() => sent >= 0);
    expect(sent).toBeLessThan(64 * 1024 ** 2);
  });

  it('refuses a manifest over --max-oci-manifest-size by its Content-Length, and cuts off one sent without it', async () => {
    image('limits/manifest');
    const declared = await workspace(`  - package: oci://${registry.host}/limits/manifest:1.0.0!${FOLDER}\n`, { maxOciManifestBytes: 100 }).install();
    expect(declared.plugins[0].error?.code).toBe('OCI_MANIFEST_TOO_LARGE');
    expect(declared.plugins[0].error?.message).toMatch(
      new RegExp(`^manifest oci://${registry.host}/limits/manifest:1\\.0\\.0 is \\d+ bytes, over the limit of 100 bytes for a manifest \\(raise it with --max-oci-manifest-size\\)$`),
    );

    let sent = -1;
    registry.route(
      '/v2/limits/endless/manifests/1.0.0',
      endlessBody({ 'content-type': 'application/vnd.oci.image.manifest.v1+json' }, n => (sent = n)),
    );
    const endless = await workspace(`  - package: oci://${registry.host}/limits/endless:1.0.0!${FOLDER}\n`, {
      maxOciManifestBytes: 256 * 1024,
    }).install();
    expect(endless.plugins[0].error).toEqual({
      code: 'OCI_MANIFEST_TOO_LARGE',
      message: `manifest oci://${registry.host}/limits/endless:1.0.0 is more than 262144 bytes, over the limit of 262144 bytes for a manifest (raise it with --max-oci-manifest-size)`,
    });
    await waitFor(() => sent >= 0);
    expect(sent).toBeLessThan(16 * 1024 ** 2);
  });

  it('refuses a platform manifest whose index entry declares it over --max-oci-manifest-size, without asking for it', async () => {
    const child = `sha256:${'c'.repeat(64)}`;
    const index = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: child, size: 10_000_000, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    });
    registry.route('/v2/limits/index/manifests/1.0.0', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' }).end(index);
    });
    const result = await workspace(`  - package: oci://${registry.host}/limits/index:1.0.0!${FOLDER}\n`).install();
    expect(result.plugins[0].error).toEqual({
      code: 'OCI_MANIFEST_TOO_LARGE',
      message: `manifest oci://${registry.host}/limits/index:1.0.0 (linux/amd64) is 10000000 bytes, over the limit of 4194304 bytes for a manifest (raise it with --max-oci-manifest-size)`,
    });
    expect(registry.requests.filter(r => r.includes(child))).toEqual([]);
  });

  it('refuses a limit that is not a positive whole number', async () => {
    await expect(workspace(image('limits/ok'), { maxOciLayers: 0 }).install()).rejects.toMatchObject({ code: 'INVALID_OPTIONS' });
  });
});

describe('--require-oci-digest', () => {
  it('refuses a tag-only reference, naming file:line:col, without asking the registry', async () => {
    const entry = image('digest/tagged');
    const ws = workspace(`  - package: ./local-is-fine\n    disabled: true\n${entry}`, { requireOciDigest: true });
    const before = registry.requests.length;
    const result = await ws.install();
    expect(result.ok).toBe(false);
    expect(result.plugins[1].error).toEqual({
      code: 'OCI_DIGEST_REQUIRED',
      message:
        `${ws.options.configFile}:4:5: oci://${registry.host}/digest/tagged:1.0.0!${FOLDER} names the image by tag only; ` +
        'digests are required (--require-oci-digest): pin it as oci://host/repo@sha256:<digest>',
    });
    expect(registry.requests.slice(before)).toEqual([]);
  });

  it('installs a reference pinned to a digest', async () => {
    const digest = registry.image('digest/pinned', '1.0.0', [layer], { annotations: annotationsFor(ONE_PLUGIN) });
    const ws = workspace(`  - package: oci://${registry.host}/digest/pinned@${digest}!${FOLDER}\n`, { requireOciDigest: true });
    const result = await ws.install();
    expect(result.plugins[0].error).toBeUndefined();
    expect(result.plugins[0].record).toMatchObject({ folder: FOLDER, digest });
  });

  it('is off by default: a tag is installed', async () => {
    const result = await workspace(image('digest/default')).install();
    expect(result.plugins[0].error).toBeUndefined();
  });
});

async function waitFor(condition: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise(resolve => setTimeout(resolve, 20));
  }
}
