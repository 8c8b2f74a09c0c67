import type http from 'node:http';
import { computeDigest } from '../src/verify/digest';
import { listen, type LocalServer } from './ociTestkit';

/**
 * An OCI registry in memory on a loopback port, for tests that need it to
 * lie: manifests are served as the test wrote them (declared sizes and
 * layer counts included), and any path can be answered by the test instead
 * (`route`), e.g. with an endless body. Every request is recorded.
 */
export interface FakeOciRegistry extends LocalServer {
  requests: string[];
  /**
   * Serves an image manifest at `repo:tag` and at its digest, with `layers`
   * as blobs. `manifest` may rewrite the manifest first (to lie about it).
   * Returns the manifest's digest.
   */
  image(repo: string, tag: string, layers: Buffer[], options?: { annotations?: Record<string, string>; manifest?: (m: any) => any }): string;
  /** Answers requests for `path` (e.g. `/v2/r/manifests/1`) with `handler`. */
  route(path: string, handler: http.RequestListener): void;
}

const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export async function startFakeOciRegistry(): Promise<FakeOciRegistry> {
  const documents = new Map<string, { body: Buffer; type: string }>();
  const routes = new Map<string, http.RequestListener>();
  const requests: string[] = [];
  const server = await listen((req, res) => {
    const url = req.url ?? '/';
    requests.push(`${req.method} ${url}`);
    const route = routes.get(url);
    if (route) return void route(req, res);
    const doc = documents.get(url);
    if (!doc) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"errors":[{"code":"NOT_FOUND"}]}');
    res.writeHead(200, { 'content-type': doc.type, 'content-length': String(doc.body.length), 'docker-content-digest': computeDigest(doc.body) });
    res.end(req.method === 'HEAD' ? undefined : doc.body);
  });
  const config = Buffer.from('{}');
  return {
    ...server,
    requests,
    image(repo, tag, layers, options = {}) {
      documents.set(`/v2/${repo}/blobs/${computeDigest(config)}`, { body: config, type: 'application/octet-stream' });
      for (const layer of layers) {
        documents.set(`/v2/${repo}/blobs/${computeDigest(layer)}`, { body: layer, type: 'application/octet-stream' });
      }
      let manifest: any = {
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: computeDigest(config), size: config.length },
        layers: layers.map(l => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: computeDigest(l), size: l.length })),
        annotations: options.annotations,
      };
      manifest = options.manifest?.(manifest) ?? manifest;
      const body = Buffer.from(JSON.stringify(manifest));
      const digest = computeDigest(body);
      documents.set(`/v2/${repo}/manifests/${tag}`, { body, type: MANIFEST_TYPE });
      documents.set(`/v2/${repo}/manifests/${digest}`, { body, type: MANIFEST_TYPE });
      return digest;
    },
    route(path, handler) {
      routes.set(path, handler);
    },
  };
}
