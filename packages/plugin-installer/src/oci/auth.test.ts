import fs from 'node:fs';
import path from 'node:path';
import { InstallError } from '../errors';
import { computeDigest } from '../verify/digest';
import { authFileCandidates, loadCredentials, parseWwwAuthenticate } from './auth';
import { OciClient } from './client';
import { cleanupTempDirs, listen, tempDir, testOptions } from '../../testing/ociTestkit';

afterAll(() => cleanupTempDirs());

describe('parseWwwAuthenticate', () => {
  it('parses a Bearer challenge with realm, service and scope', () => {
    expect(
      parseWwwAuthenticate(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull,push"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/alpine:pull,push' },
      },
    ]);
  });

  it('parses several challenges, unquoted values and escaped quotes', () => {
    expect(parseWwwAuthenticate('Basic realm="a \\"b\\" c", Bearer realm=https://x/token, service=reg')).toEqual([
      { scheme: 'basic', params: { realm: 'a "b" c' } },
      { scheme: 'bearer', params: { realm: 'https://x/token', service: 'reg' } },
    ]);
  });

  it('returns nothing for a missing header', () => {
    expect(parseWwwAuthenticate(null)).toEqual([]);
  });
});

describe('registry credentials', () => {
  const write = (dir: string, rel: string, content: unknown) => {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');

  it('REGISTRY_AUTH_FILE alone is used when set; auth is base64 user:password (a password may hold colons)', async () => {
    const dir = tempDir();
    const file = write(dir, 'auth.json', { auths: { 'r.io': { auth: b64('alice:pa:ss') } } });
    write(dir, 'home/.docker/config.json', { auths: { 'other.io': { auth: b64('bob:x') } } });
    const env = { REGISTRY_AUTH_FILE: file, HOME: path.join(dir, 'home') };
    expect(authFileCandidates({ env })).toEqual({ files: [file], explicit: true });
    expect(await loadCredentials('r.io', 'org/img', { env })).toEqual({ username: 'alice', password: 'pa:ss', source: file });
    expect(await loadCredentials('other.io', 'org/img', { env })).toBeUndefined();
  });

  it('without REGISTRY_AUTH_FILE reads $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json', async () => {
    const dir = tempDir();
    const xdg = path.join(dir, 'run');
    write(dir, 'run/containers/auth.json', { auths: { 'r.io': { auth: b64('xdg:1') } } });
    write(dir, 'home/.docker/config.json', {
      auths: { 'r.io': { auth: b64('docker:2') }, 'https://index.docker.io/v1/': { username: 'hub', password: '3' } },
    });
    const env = { XDG_RUNTIME_DIR: xdg, HOME: path.join(dir, 'home') };
    expect((await loadCredentials('r.io', 'a', { env }))?.username).toBe('xdg');
    expect(await loadCredentials('docker.io', 'library/alpine', { env })).toMatchObject({ username: 'hub', password: '3' });
    expect(await loadCredentials('none.io', 'a', { env })).toBeUndefined();
  });

  it('prefers a repository-specific entry over the host entry', async () => {
    const dir = tempDir();
    const file = write(dir, 'auth.json', {
      auths: { 'r.io': { auth: b64('host:1') }, 'r.io/team': { auth: b64('team:2') } },
    });
    const env = { REGISTRY_AUTH_FILE: file };
    expect((await loadCredentials('r.io', 'team/img', { env }))?.username).toBe('team');
    expect((await loadCredentials('r.io', 'teams/img', { env }))?.username).toBe('host');
  });

  it('a missing explicit auth file or invalid JSON is REGISTRY_AUTH_FILE_INVALID; a missing default file is not', async () => {
    const dir = tempDir();
    await expect(loadCredentials('r.io', 'a', { env: { REGISTRY_AUTH_FILE: path.join(dir, 'nope.json') } })).rejects.toMatchObject({
      code: 'REGISTRY_AUTH_FILE_INVALID',
    });
    const bad = write(dir, 'bad.json', '{ not json');
    await expect(loadCredentials('r.io', 'a', { env: { REGISTRY_AUTH_FILE: bad } })).rejects.toMatchObject({
      code: 'REGISTRY_AUTH_FILE_INVALID',
    });
    expect(await loadCredentials('r.io', 'a', { env: { HOME: dir } })).toBeUndefined();
  });
});

describe('Bearer token flow (local token server and fake registry)', () => {
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: computeDigest(Buffer.from('{}')), size: 2 },
      layers: [],
      annotations: { hello: 'world' },
    }),
  );

  async function startFakeRegistry() {
    const tokenRequests: Array<{ url: URL; authorization?: string }> = [];
    let issued = 0;
    let valid = new Set<string>();
    const server = await listen((req, res) => {
      const url = new URL(req.url!, 'http://x');
      if (url.pathname === '/token') {
        tokenRequests.push({ url, authorization: req.headers.authorization });
        if (req.headers.authorization !== `Basic ${Buffer.from('alice:wonder-pass').toString('base64')}`) {
          res.writeHead(401).end();
          return;
        }
        const token = `tok-${++issued}`;
        valid.add(token);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token, expires_in: 300 }));
        return;
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '');
      if (!token || !valid.has(token)) {
        res
          .writeHead(401, {
            'www-authenticate': `Bearer realm="http://${req.headers.host}/token",service="fake-registry",scope="repository:org/img:pull"`,
          })
          .end();
        return;
      }
      if (url.pathname === '/v2/org/img/manifests/1.0') {
        res
          .writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json', 'docker-content-digest': computeDigest(manifest) })
          .end(req.method === 'HEAD' ? undefined : manifest);
        return;
      }
      res.writeHead(404).end();
    });
    return { server, tokenRequests, expireTokens: () => (valid = new Set()) };
  }

  it('fetches a token from the realm with Basic credentials, service and scope, and reuses it', async () => {
    const { server, tokenRequests } = await startFakeRegistry();
    try {
      const client = new OciClient(testOptions({ credentials: { username: 'alice', password: 'wonder-pass' } }));
      const pulled = await client.getManifest(`oci://${server.host}/org/img:1.0`);
      expect(pulled.annotations).toEqual({ hello: 'world' });
      expect(await client.headManifestDigest(`oci://${server.host}/org/img:1.0`)).toBe(pulled.digest);
      expect(tokenRequests).toHaveLength(1);
      expect(tokenRequests[0].url.searchParams.get('service')).toBe('fake-registry');
      expect(tokenRequests[0].url.searchParams.getAll('scope')).toEqual(['repository:org/img:pull']);
    } finally {
      await server.close();
    }
  });

  it('fetches a new token once when the cached one has expired', async () => {
    const { server, tokenRequests, expireTokens } = await startFakeRegistry();
    try {
      const client = new OciClient(testOptions({ credentials: { username: 'alice', password: 'wonder-pass' } }));
      await client.getManifest(`oci://${server.host}/org/img:1.0`);
      expireTokens();
      await client.getManifest(`oci://${server.host}/org/img:1.0`);
      expect(tokenRequests).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('wrong credentials at the token realm are REGISTRY_AUTH_FAILED without the password', async () => {
    const { server } = await startFakeRegistry();
    try {
      const client = new OciClient(testOptions({ credentials: { username: 'alice', password: 'not-the-pass' } }));
      const error: InstallError = await client.getManifest(`oci://${server.host}/org/img:1.0`).catch(e => e);
      expect(error).toBeInstanceOf(InstallError);
      expect(error.code).toBe('REGISTRY_AUTH_FAILED');
      expect(error.message).toContain("user 'alice'");
      expect(error.message).not.toContain('not-the-pass');
    } finally {
      await server.close();
    }
  });

  it('no credentials for a registry whose token realm requires them is REGISTRY_AUTH_FAILED', async () => {
    const { server } = await startFakeRegistry();
    try {
      const client = new OciClient(testOptions());
      await expect(client.getManifest(`oci://${server.host}/org/img:1.0`)).rejects.toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: expect.stringContaining('no credentials were found'),
      });
    } finally {
      await server.close();
    }
  });

  it('refuses to send credentials to a plain-HTTP token realm on a remote host', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.com/token",service="x"' }).end();
    });
    try {
      const client = new OciClient(testOptions({ credentials: { username: 'alice', password: 'wonder-pass' } }));
      await expect(client.getManifest(`oci://${server.host}/org/img:1.0`)).rejects.toMatchObject({
        code: 'REGISTRY_AUTH_FAILED',
        message: expect.stringContaining('not HTTPS'),
      });
    } finally {
      await server.close();
    }
  });
});
