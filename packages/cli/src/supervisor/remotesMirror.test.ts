import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import {
  GENERATION_HEADER,
  REMOTES_LIST_PATH,
  remoteFileCacheControl,
  unknownRemoteMessage,
  type FrontendRemote,
  type FrontendRemotesSnapshot,
} from '@devportal/plugin-dynamic-plugins-common';
import type { FrontDoor } from './frontDoor';
import { listeningFrontDoor } from './frontDoorTesting';
import { RemotesMirror } from './remotesMirror';

/** A backend that answers everything itself, so a response from it proves the door forwarded the request. */
async function plainBackend(): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('from backend');
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    requests,
    close: () =>
      new Promise(resolve => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function remote(packageName: string): FrontendRemote {
  const encoded = encodeURIComponent(packageName);
  return { packageName, remoteInfo: { name: encoded, entry: `remotes/${encoded}/remoteEntry.js` }, exposedModules: ['.'] };
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('RemotesMirror behind the FrontDoor', () => {
  let tmp: string;
  /** A remote's folder, as the snapshot names it. */
  let assets: string;
  /** A scoped package's folder. */
  let scopedAssets: string;
  let backend: Awaited<ReturnType<typeof plainBackend>>;
  let door: FrontDoor;
  let port: number;
  let mirror: RemotesMirror;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'remotes-mirror-'));
    assets = path.join(tmp, 'plugin-a', 'dist');
    fs.mkdirSync(path.join(assets, 'static'), { recursive: true });
    fs.writeFileSync(path.join(assets, 'remoteEntry.js'), '/* entry of plugin-a */');
    fs.writeFileSync(path.join(assets, 'static', 'x.123.chunk.js'), '/* chunk 123 */');
    fs.writeFileSync(path.join(assets, 'mf-manifest.json'), '{"name":"plugin_a"}');
    fs.writeFileSync(path.join(assets, '.secret'), 'dotfile inside the folder');
    // Outside every remote's folder: nothing below may ever send it.
    fs.writeFileSync(path.join(tmp, 'plugin-a', 'package.json'), 'OUTSIDE package.json');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'OUTSIDE secret');
    fs.symlinkSync(path.join(tmp, 'secret.txt'), path.join(assets, 'link.js'));
    scopedAssets = path.join(tmp, 'scope-name', 'dist');
    fs.mkdirSync(scopedAssets, { recursive: true });
    fs.writeFileSync(path.join(scopedAssets, 'remoteEntry.js'), '/* entry of @scope/name */');

    backend = await plainBackend();
    mirror = new RemotesMirror();
    ({ door, port } = await listeningFrontDoor({ name: 'backend 1', port: backend.port, local: mirror }));
  });

  afterEach(async () => {
    await door.close();
    await backend.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const snapshot = (generation: number | null): FrontendRemotesSnapshot => ({
    type: 'devportal:frontend-remotes',
    generation,
    remotes: [remote('plugin-a'), remote('@scope/name')],
    assets: { 'plugin-a': assets, '@scope/name': scopedAssets },
  });

  // node:http sends the path exactly as given (fetch would resolve `..` before sending).
  const send = (method: string, rawPath: string, headers: http.OutgoingHttpHeaders = {}) =>
    new Promise<Answer>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path: rawPath, headers, agent: false }, res => {
        const chunks: Buffer[] = [];
        res.on('data', chunk => chunks.push(chunk));
        res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.once('error', reject);
      });
      req.once('error', reject);
      req.end();
    });

  const file = (packageName: string, filePath: string) => `${REMOTES_LIST_PATH}/${encodeURIComponent(packageName)}/${filePath}`;

  it('forwards the list to the backend until the backend has sent a snapshot', async () => {
    const answer = await send('GET', REMOTES_LIST_PATH);
    expect(answer).toMatchObject({ status: 200, body: 'from backend' });
    expect(backend.requests).toEqual([`GET ${REMOTES_LIST_PATH}`]);
  });

  it('answers the list from the snapshot, with the generation it serves and no caching, without asking the backend', async () => {
    mirror.update(snapshot(7));
    const answer = await send('GET', REMOTES_LIST_PATH);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual(snapshot(7).remotes);
    expect(answer.headers[GENERATION_HEADER]).toBe('7');
    expect(answer.headers['cache-control']).toBe('no-cache');
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    // A query string (a cache buster) names the same list.
    expect(JSON.parse((await send('GET', `${REMOTES_LIST_PATH}?t=1`)).body)).toEqual(snapshot(7).remotes);
    expect(backend.requests).toEqual([]);
  });

  it('reports generation 0 for a backend that serves no generation yet (the base file alone)', async () => {
    mirror.update(snapshot(null));
    const answer = await send('GET', REMOTES_LIST_PATH);
    expect(answer.headers[GENERATION_HEADER]).toBe('0');
  });

  it('answers the latest snapshot sent', async () => {
    mirror.update(snapshot(1));
    mirror.update({ ...snapshot(2), remotes: [remote('plugin-a')], assets: { 'plugin-a': assets } });
    const answer = await send('GET', REMOTES_LIST_PATH);
    expect(answer.headers[GENERATION_HEADER]).toBe('2');
    expect(JSON.parse(answer.body)).toEqual([remote('plugin-a')]);
    // A remote no longer in the snapshot is no longer served.
    expect((await send('GET', file('@scope/name', 'remoteEntry.js'))).status).toBe(404);
  });

  it('answers HEAD of the list with the headers of a GET and no body', async () => {
    mirror.update(snapshot(3));
    const answer = await send('HEAD', REMOTES_LIST_PATH);
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
    expect(answer.headers[GENERATION_HEADER]).toBe('3');
    expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(JSON.stringify(snapshot(3).remotes)));
    expect(backend.requests).toEqual([]);
  });

  it('serves the entry to be revalidated and a hashed chunk to be cached for good, by the rule the backend uses', async () => {
    mirror.update(snapshot(1));
    const entry = await send('GET', file('plugin-a', 'remoteEntry.js'));
    expect(entry.status).toBe(200);
    expect(entry.body).toBe('/* entry of plugin-a */');
    expect(entry.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(entry.headers['cache-control']).toBe(remoteFileCacheControl('remoteEntry.js'));
    expect(entry.headers['cache-control']).toBe('no-cache');

    const chunk = await send('GET', file('plugin-a', 'static/x.123.chunk.js'));
    expect(chunk.status).toBe(200);
    expect(chunk.body).toBe('/* chunk 123 */');
    expect(chunk.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(chunk.headers['cache-control']).toBe(remoteFileCacheControl('static/x.123.chunk.js'));
    expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const manifest = await send('GET', file('plugin-a', 'mf-manifest.json'));
    expect(manifest.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(manifest.headers['cache-control']).toBe('no-cache');
    expect(backend.requests).toEqual([]);
  });

  it('answers 304 to a revalidation with the etag it gave', async () => {
    mirror.update(snapshot(1));
    const first = await send('GET', file('plugin-a', 'remoteEntry.js'));
    expect(first.headers.etag).toEqual(expect.any(String));
    const again = await send('GET', file('plugin-a', 'remoteEntry.js'), { 'if-none-match': first.headers.etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers.etag).toBe(first.headers.etag);
    // Another etag (the file changed since) gets the file.
    const stale = await send('GET', file('plugin-a', 'remoteEntry.js'), { 'if-none-match': 'W/"0-0"' });
    expect(stale).toMatchObject({ status: 200, body: '/* entry of plugin-a */' });
  });

  it('serves a scoped package named by one encoded segment', async () => {
    mirror.update(snapshot(1));
    const answer = await send('GET', `${REMOTES_LIST_PATH}/%40scope%2Fname/remoteEntry.js`);
    expect(answer).toMatchObject({ status: 200, body: '/* entry of @scope/name */' });
  });

  it.each([
    ['raw ../ out of the folder', `${REMOTES_LIST_PATH}/plugin-a/../package.json`],
    ['raw ../ out of the mount', `${REMOTES_LIST_PATH}/plugin-a/../../../secret.txt`],
    ['percent-encoded ..', `${REMOTES_LIST_PATH}/plugin-a/%2e%2e/package.json`],
    ['percent-encoded .. in upper case', `${REMOTES_LIST_PATH}/plugin-a/%2E%2E/%2E%2E/secret.txt`],
    ['an encoded slash inside a segment', `${REMOTES_LIST_PATH}/plugin-a/..%2Fpackage.json`],
    ['an encoded slash after a real name', `${REMOTES_LIST_PATH}/plugin-a/static%2F..%2F..%2Fpackage.json`],
    ['an encoded backslash', `${REMOTES_LIST_PATH}/plugin-a/static%5C..%5C..%5Cpackage.json`],
    ['an encoded NUL', `${REMOTES_LIST_PATH}/plugin-a/remoteEntry.js%00.png`],
    ['.. as the package', `${REMOTES_LIST_PATH}/../remotes/plugin-a/remoteEntry.js`],
    ['a dotfile', `${REMOTES_LIST_PATH}/plugin-a/.secret`],
    ['a link inside the folder to a file outside it', `${REMOTES_LIST_PATH}/plugin-a/link.js`],
    ['a directory', `${REMOTES_LIST_PATH}/plugin-a/static`],
    ['a directory with a trailing slash', `${REMOTES_LIST_PATH}/plugin-a/static/`],
    ['the package folder itself', `${REMOTES_LIST_PATH}/plugin-a/`],
    ['an unknown package', `${REMOTES_LIST_PATH}/plugin-b/remoteEntry.js`],
    ['a package named by broken percent-encoding', `${REMOTES_LIST_PATH}/%E0%A4%A/remoteEntry.js`],
    ['a missing file', `${REMOTES_LIST_PATH}/plugin-a/static/x.456.chunk.js`],
  ])('refuses %s with 404, reads nothing outside the folder and does not forward it', async (_case, rawPath) => {
    mirror.update(snapshot(1));
    const answer = await send('GET', rawPath);
    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { name: 'NotFoundError' } });
    expect(answer.body).not.toContain('OUTSIDE');
    expect(answer.body).not.toContain('dotfile inside');
    expect(backend.requests).toEqual([]);
  });

  it('names an unknown package in the same words as the backend does', async () => {
    mirror.update(snapshot(1));
    const answer = await send('GET', `${REMOTES_LIST_PATH}/plugin-b/remoteEntry.js`);
    expect(JSON.parse(answer.body).error.message).toBe(unknownRemoteMessage('plugin-b'));
  });

  it('forwards what it does not answer: other methods on the list, paths outside the list', async () => {
    mirror.update(snapshot(1));
    const paths = [
      ['POST', REMOTES_LIST_PATH],
      ['GET', '/api/catalog/entities'],
      ['GET', '/.backstage/dynamic-features/other'],
      // Only a path below the list (after a slash) names a remote's file.
      ['GET', `${REMOTES_LIST_PATH}x/plugin-a/remoteEntry.js`],
      // (Not `/`: the front door's page cache fetches it too; entryPageCache.test.ts.)
      ['GET', '/api/dynamic-plugins/status'],
    ];
    for (const [method, rawPath] of paths) {
      expect(await send(method, rawPath)).toMatchObject({ status: 200, body: 'from backend' });
    }
    expect(backend.requests).toEqual(paths.map(([method, rawPath]) => `${method} ${rawPath}`));
  });
});
