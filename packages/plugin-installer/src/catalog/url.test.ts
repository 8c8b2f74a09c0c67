import type http from 'node:http';
import { readCatalog } from '.';
import { listen, type LocalServer } from '../../testing/ociTestkit';

const list = `- id: from-url
  title: From a URL
  description: read over HTTP
  name: "@example/from-url"
  kind: frontend
  source: oci
  category: Testing
  versions:
    - version: 2.0.0
      package: oci://registry.example/plugins/from-url:2.0.0!from-url
- id: broken
  title: Broken
  description: no versions
  name: broken
  kind: frontend
  source: npm
  category: Testing
  versions: []
- id: with-readme-file
  title: Readme file
  description: a file next to a URL does not exist
  name: readme-file
  kind: frontend
  source: npm
  category: Testing
  readme: { file: README.md }
  versions:
    - { version: 1.0.0, package: readme-file@1.0.0 }
`;

describe('URL sources', () => {
  let server: LocalServer;
  const routes: Record<string, (req: http.IncomingMessage, res: http.ServerResponse) => void> = {
    '/catalog.yaml': (_req, res) => res.end(list),
    '/moved': (_req, res) => {
      res.writeHead(302, { location: '/catalog.yaml' });
      res.end();
    },
    '/away': (_req, res) => {
      res.writeHead(302, { location: 'http://catalog.example/catalog.yaml' });
      res.end();
    },
    '/big': (_req, res) => res.end(`# ${'x'.repeat(5000)}\n`),
    '/chunked-big': (_req, res) => {
      // No Content-Length: the size is counted as the body arrives.
      res.write('# ');
      res.end('x'.repeat(5000));
    },
    '/slow': () => undefined, // never answers
  };

  beforeAll(async () => {
    server = await listen((req, res) => {
      const route = routes[req.url!.split('?')[0]];
      if (route) route(req, res);
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
  });
  afterAll(() => server.close());

  it('reads a list over HTTP from loopback: good entries load, each bad one is an error naming the URL, line and key', async () => {
    const { entries, errors } = await readCatalog([{ type: 'url', url: `${server.url}/catalog.yaml?token=secret` }]);
    expect(entries).toEqual([
      {
        id: 'from-url',
        title: 'From a URL',
        description: 'read over HTTP',
        name: '@example/from-url',
        kind: 'frontend',
        source: 'oci',
        category: 'Testing',
        versions: [{ version: '2.0.0', package: 'oci://registry.example/plugins/from-url:2.0.0!from-url' }],
        origin: `${server.url}/catalog.yaml`,
      },
    ]);
    expect(errors).toEqual([
      `${server.url}/catalog.yaml:18: versions: must list at least one version`,
      `${server.url}/catalog.yaml:26: readme.file: readme files are only read for index folders and local files; write the markdown inline`,
    ]);
    expect(errors.join('\n')).not.toContain('secret');
  });

  it('follows a redirect on loopback, and refuses one to plain HTTP elsewhere', async () => {
    const moved = await readCatalog([{ type: 'url', url: `${server.url}/moved` }]);
    expect(moved.entries.map(e => e.id)).toEqual(['from-url']);
    const away = await readCatalog([{ type: 'url', url: `${server.url}/away` }]);
    expect(away).toEqual({
      entries: [],
      errors: [`${server.url}/away: http://catalog.example/catalog.yaml: plain HTTP is only allowed to loopback; use https://`],
    });
  });

  it('gives one clear error naming the URL for 404, size, timeout, scheme and bad URLs', async () => {
    const { entries, errors } = await readCatalog(
      [
        { type: 'url', url: `${server.url}/missing.yaml` },
        { type: 'url', url: `${server.url}/big` },
        { type: 'url', url: `${server.url}/chunked-big` },
        { type: 'url', url: `${server.url}/slow` },
        { type: 'url', url: 'http://catalog.example/catalog.yaml' },
        { type: 'url', url: 'file:///etc/passwd' },
        { type: 'url', url: 'not a url' },
      ],
      { maxFileBytes: 1000, timeoutMs: 500 },
    );
    expect(entries).toEqual([]);
    expect(errors).toEqual([
      `${server.url}/missing.yaml: HTTP 404 Not Found`,
      `${server.url}/big: the catalog is larger than the 1000 bytes allowed`,
      `${server.url}/chunked-big: the catalog is larger than the 1000 bytes allowed`,
      `${server.url}/slow: no answer within 500 ms`,
      'http://catalog.example/catalog.yaml: plain HTTP is only allowed to loopback; use https://',
      'file:///etc/passwd: only https:// (or http:// to loopback) URLs are read',
      'not a url: not a valid URL',
    ]);
  });
});
