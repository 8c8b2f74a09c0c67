import fs from 'node:fs';
import path from 'node:path';
import { startRegistry, type StartedRegistry } from '../../../../e2e/support/registry';
import { OciClient } from './client';
import { pushImage } from '../publish/push';
import {
  annotationsFor,
  cleanupTempDirs,
  failure,
  makePluginLayer,
  ONE_PLUGIN,
  startProxy,
  tempDir,
  testOptions,
  writeAuthFile,
} from '../../testing/ociTestkit';

jest.setTimeout(60_000);

afterAll(() => cleanupTempDirs());

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
