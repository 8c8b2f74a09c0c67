/**
 * Interoperability with an independent client: skopeo reads what pushImage
 * writes the same way our client does, and our client reads what skopeo writes.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { computeDigest } from '../verify/digest';
import { decodeDynamicPackages, DYNAMIC_PACKAGES_ANNOTATION, encodeDynamicPackages } from './annotations';
import { OciClient } from './client';
import { pushImage } from '../publish/push';
import { cleanupTempDirs, makePluginLayer, tempDir, testOptions } from '../../testing/ociTestkit';

jest.setTimeout(60_000);

const SKOPEO = process.env.DEVPORTAL_SKOPEO_BIN ?? '/usr/bin/skopeo';

function skopeo(args: string[], home: string): string {
  return execFileSync(SKOPEO, ['--insecure-policy', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH, HOME: home, REGISTRY_AUTH_FILE: path.join(home, 'auth.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('skopeo interoperability', () => {
  let registry: StartedRegistry;
  let home: string;
  let digest: string;
  let ref: string;
  const plugins = [
    { path: 'backstage-plugin-a', packageInfo: { name: 'backstage-plugin-a', version: '1.0.0' } },
    { path: 'backstage-plugin-a-backend', packageInfo: { name: 'backstage-plugin-a-backend', version: '1.0.0' } },
  ];
  const layer = makePluginLayer({
    'backstage-plugin-a': plugins[0].packageInfo,
    'backstage-plugin-a-backend': plugins[1].packageInfo,
  });
  const annotations = {
    [DYNAMIC_PACKAGES_ANNOTATION]: encodeDynamicPackages(plugins),
    'org.opencontainers.image.source': 'https://example.invalid/plugins',
  };

  beforeAll(async () => {
    home = tempDir('devportal-skopeo-home-');
    fs.writeFileSync(path.join(home, 'auth.json'), '{"auths":{}}');
    registry = await startRegistry();
    ref = `${registry.host}/plugins/a:bs_1.55.0__1.0.0`;
    digest = await pushImage(`oci://${ref}`, { ...testOptions(), layers: [{ data: layer }], annotations });
  });
  afterAll(async () => {
    await registry?.stop();
    cleanupTempDirs();
  });

  it('skopeo inspect reports the same manifest digest, annotations and platform as pushImage wrote', () => {
    const raw = skopeo(['inspect', '--tls-verify=false', '--raw', `docker://${ref}`], home);
    expect(computeDigest(Buffer.from(raw))).toBe(digest);
    const manifest = JSON.parse(raw);
    expect(manifest.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.annotations).toEqual(annotations);

    const inspected = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${ref}`], home));
    expect(inspected.Digest).toBe(digest);
    expect(inspected.Architecture).toBe('amd64');
    expect(inspected.Os).toBe('linux');
    expect(inspected.Layers).toEqual([computeDigest(layer)]);
  });

  it('skopeo copy to an OCI layout keeps the manifest digest, the annotations and the layer bytes', () => {
    const dir = path.join(tempDir(), 'layout');
    skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:copied`], home);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8'));
    expect(index.manifests[0].digest).toBe(digest);
    const blob = (d: string) => fs.readFileSync(path.join(dir, 'blobs', ...d.split(':')));
    const manifest = JSON.parse(blob(digest).toString('utf8'));
    expect(decodeDynamicPackages(manifest.annotations)).toEqual(plugins);
    expect(blob(manifest.layers[0].digest).equals(layer)).toBe(true);
    // The config's diff_ids are the uncompressed layer's digest, as skopeo expects them.
    const config = JSON.parse(blob(manifest.config.digest).toString('utf8'));
    const tar = execFileSync('gzip', ['-dc'], { input: layer });
    expect(config.rootfs.diff_ids).toEqual([`sha256:${crypto.createHash('sha256').update(tar).digest('hex')}`]);
  });

  it('our client reads an image skopeo pushed from an OCI layout, with the same digest', async () => {
    const dir = path.join(tempDir(), 'layout');
    skopeo(['copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:copied`], home);
    const target = `${registry.host}/plugins/a-by-skopeo:1`;
    skopeo(['copy', '--dest-tls-verify=false', `oci:${dir}:copied`, `docker://${target}`], home);
    const pulled = await new OciClient(testOptions()).getManifest(`oci://${target}`);
    expect(pulled.digest).toBe(digest);
    expect(pulled.annotations).toEqual(annotations);
  });

  it('our client reads a Docker v2 schema 2 manifest written by skopeo and verifies its layer', async () => {
    const target = `${registry.host}/plugins/a-docker:1`;
    skopeo(['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--format', 'v2s2', `docker://${ref}`, `docker://${target}`], home);
    const client = new OciClient(testOptions());
    const pulled = await client.getManifest(`oci://${target}`);
    expect(pulled.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const skopeoDigest = JSON.parse(skopeo(['inspect', '--tls-verify=false', `docker://${target}`], home)).Digest;
    expect(pulled.digest).toBe(skopeoDigest);
    expect(await client.headManifestDigest(`oci://${target}`)).toBe(skopeoDigest);
    expect(pulled.layers[0]).toMatchObject({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: computeDigest(layer) });
    const dest = path.join(tempDir(), 'layer.tar.gz');
    await client.fetchBlob(`oci://${target}`, pulled.layers[0].digest, dest, { expectedSize: pulled.layers[0].size });
    expect(fs.readFileSync(dest).equals(layer)).toBe(true);
  });
});
