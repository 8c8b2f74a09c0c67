import fs from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import {
  GENERATION_HEADER,
  REMOTES_LIST_PATH,
  remoteFileCacheControl,
  unknownRemoteMessage,
  type FrontendRemotesSnapshot,
} from '@devportal/plugin-dynamic-plugins-common';

/**
 * The public remotes list and the remotes' files of one backend, answered
 * by the front door from the backend's FrontendRemotesSnapshot instead of
 * being forwarded. A page load reads the list and a remote entry per plugin
 * before it can show anything; forwarded, each waits its turn behind the API
 * traffic the backend serves, which under load made a page load seconds long.
 * Here they are a file read in a process that does nothing else.
 *
 * The snapshot says which folder each remote's files are in; the request path
 * is untrusted and must name a regular file inside that folder.
 */
export class RemotesMirror {
  private snapshot: { generation: string; list: Buffer; assets: Map<string, string> } | undefined;

  update(snapshot: FrontendRemotesSnapshot): void {
    this.snapshot = {
      generation: String(snapshot.generation ?? 0),
      list: Buffer.from(JSON.stringify(snapshot.remotes)),
      assets: new Map(Object.entries(snapshot.assets)),
    };
  }

  /** Whether it answered the request; false leaves it to be forwarded to the backend. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    const snapshot = this.snapshot;
    if (!snapshot || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const url = req.url ?? '';
    const pathname = url.split('?', 1)[0];
    if (pathname === REMOTES_LIST_PATH) {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': snapshot.list.length,
        'cache-control': 'no-cache',
        [GENERATION_HEADER]: snapshot.generation,
      });
      res.end(req.method === 'HEAD' ? undefined : snapshot.list);
      return true;
    }
    if (!pathname.startsWith(`${REMOTES_LIST_PATH}/`)) return false;
    const [packageSegment, ...fileSegments] = pathname.slice(REMOTES_LIST_PATH.length + 1).split('/');
    const packageName = decodeSegment(packageSegment);
    const assetsDir = packageName === undefined ? undefined : snapshot.assets.get(packageName);
    if (!assetsDir) {
      notFound(res, unknownRemoteMessage(packageName ?? packageSegment));
      return true;
    }
    const file = safeFile(assetsDir, fileSegments);
    if (!file) {
      notFound(res, 'no such file');
      return true;
    }
    sendFile(req, res, file);
    return true;
  }
}

/** A path segment decoded; undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * The file the segments name inside `dir`, or undefined for anything but a
 * plain relative name: no empty, `.`/`..` or hidden segments (as the
 * backend's static handler denies dotfiles), no separators or NUL smuggled
 * in by percent-encoding.
 */
function safeFile(dir: string, segments: string[]): string | undefined {
  if (segments.length === 0) return undefined;
  const names: string[] = [];
  for (const segment of segments) {
    const name = decodeSegment(segment);
    if (!name || name.startsWith('.') || /[/\\\0]/.test(name)) return undefined;
    names.push(name);
  }
  const file = path.join(dir, ...names);
  return file.startsWith(`${dir}${path.sep}`) ? file : undefined;
}

function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string) {
  // lstat: a link is not followed, even one inside the folder (the installer refuses links in archives).
  fs.lstat(file, (error, stat) => {
    if (error || !stat.isFile()) {
      notFound(res, 'no such file');
      return;
    }
    const etag = `W/"${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': contentType(file),
      'cache-control': remoteFileCacheControl(file),
      'last-modified': stat.mtime.toUTCString(),
      etag,
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': stat.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = fs.createReadStream(file);
    stream.once('error', () => res.destroy());
    stream.pipe(res);
  });
}

function notFound(res: http.ServerResponse, message: string) {
  const body = JSON.stringify({ error: { name: 'NotFoundError', message } });
  res.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The types a built remote holds (webpack's output); anything else is sent as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.mjs': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.eot': 'application/vnd.ms-fontobject',
};

function contentType(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
