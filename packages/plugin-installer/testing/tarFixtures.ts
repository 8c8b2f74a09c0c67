import fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

/**
 * Crafts tar archives for tests, byte by byte: raw 512-byte ustar headers,
 * pax and GNU long-name headers, and whatever a well-behaved tar refuses to
 * write (`..` paths, absolute paths, devices, links out of the folder, lying
 * sizes). Bodies of zeros are streamed, so a 200 MB bomb costs no memory.
 */

/** A body: text, bytes, or that many zero bytes (streamed). */
export type TarBody = string | Uint8Array | { zeros: number };

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  path: string;
  /** Default `'file'` (or `'dir'` when the path ends with `/`); `{ flag }` writes any raw typeflag. */
  type?: TarEntryType | { flag: string };
  body?: TarBody;
  /** The size written in the header; defaults to the body's length. */
  size?: number;
  /** Default 0o644 for files, 0o755 for folders, 0o777 for links. */
  mode?: number;
  /** Target of a symbolic or hard link. */
  linkpath?: string;
  /** pax records written in an extended header before the entry. */
  pax?: Record<string, string>;
  /** Write the path as a GNU long name (`././@LongLink`, type `L`) instead of pax. */
  gnuLongName?: boolean;
  devmajor?: number;
  devminor?: number;
}

export interface ArchiveOptions {
  /** Default true. */
  gzip?: boolean;
  /** Write the two zero blocks that end an archive. Default true. */
  end?: boolean;
  /** Zero bytes appended after the end of the archive. */
  trailingZeros?: number;
  /** Raw bytes appended after everything else (before compression). */
  trailing?: Uint8Array;
  /** gzip level, default 6. */
  level?: number;
  /** Compress the (already gzipped) result once more. */
  gzipTwice?: boolean;
}

const TYPE_FLAGS: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

const ZEROS = Buffer.alloc(1024 * 1024);

interface HeaderFields {
  name: string;
  mode: number;
  size: number;
  typeflag: string;
  linkname?: string;
  mtime?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
}

/** One raw 512-byte ustar header; fields are written as given, unchecked. */
export function rawHeader(fields: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  const text = (value: string, offset: number, length: number) => {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > length) throw new Error(`tarFixtures: '${value}' does not fit in ${length} bytes`);
    bytes.copy(block, offset);
  };
  const octal = (value: number, offset: number, length: number) => {
    text(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  };
  text(fields.name, 0, 100);
  octal(fields.mode, 100, 8);
  octal(fields.uid ?? 1000, 108, 8);
  octal(fields.gid ?? 1000, 116, 8);
  octal(fields.size, 124, 12);
  octal(fields.mtime ?? 499162500, 136, 12);
  block.fill(0x20, 148, 156);
  text(fields.typeflag, 156, 1);
  text(fields.linkname ?? '', 157, 100);
  text('ustar\0', 257, 6);
  text('00', 263, 2);
  text('user', 265, 32);
  text('group', 297, 32);
  octal(fields.devmajor ?? 0, 329, 8);
  octal(fields.devminor ?? 0, 337, 8);
  let sum = 0;
  for (const byte of block) sum += byte;
  text(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return block;
}

/** The body of a pax extended header. */
export function paxRecords(records: Record<string, string>): Buffer {
  const lines = Object.entries(records).map(([key, value]) => {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    for (;;) {
      const total = Buffer.byteLength(`${length}${rest}`);
      if (total === length) return `${length}${rest}`;
      length = total;
    }
  });
  return Buffer.from(lines.join(''), 'utf8');
}

function bodyLength(body: TarBody | undefined): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.length;
  return body.zeros;
}

function* bodyChunks(body: TarBody | undefined): Generator<Buffer> {
  if (body === undefined) return;
  if (typeof body === 'string') {
    yield Buffer.from(body, 'utf8');
  } else if (body instanceof Uint8Array) {
    yield Buffer.from(body);
  } else {
    for (let left = body.zeros; left > 0; left -= ZEROS.length) {
      yield ZEROS.subarray(0, Math.min(left, ZEROS.length));
    }
  }
}

function padding(length: number): Buffer {
  return Buffer.alloc((512 - (length % 512)) % 512);
}

function* metaEntry(name: string, typeflag: string, data: Buffer): Generator<Buffer> {
  yield rawHeader({ name, mode: 0o644, size: data.length, typeflag });
  yield data;
  yield padding(data.length);
}

/** The blocks of an archive, lazily (zero bodies are never held in memory). */
export function* tarBlocks(entries: TarEntry[], options: ArchiveOptions = {}): Generator<Buffer> {
  for (const entry of entries) {
    const type = entry.type ?? (entry.path.endsWith('/') ? 'dir' : 'file');
    const typeflag = typeof type === 'string' ? TYPE_FLAGS[type] : type.flag;
    const pax: Record<string, string> = { ...entry.pax };
    let name = entry.path;
    let linkname = entry.linkpath ?? '';
    if (Buffer.byteLength(name) > 100) {
      if (entry.gnuLongName) {
        yield* metaEntry('././@LongLink', 'L', Buffer.from(`${name}\0`));
      } else {
        pax.path = name;
      }
      name = Buffer.from(name).subarray(0, 99).toString('latin1').replace(/[^\x20-\x7e]/g, '_');
    }
    if (Buffer.byteLength(linkname) > 100) {
      pax.linkpath = linkname;
      linkname = linkname.slice(0, 99);
    }
    if (Object.keys(pax).length > 0) {
      yield* metaEntry(`PaxHeader/${name.split('/').filter(Boolean).pop() ?? 'x'}`.slice(0, 99), 'x', paxRecords(pax));
    }
    const length = bodyLength(entry.body);
    const defaultMode = type === 'dir' ? 0o755 : type === 'symlink' || type === 'hardlink' ? 0o777 : 0o644;
    yield rawHeader({
      name,
      mode: entry.mode ?? defaultMode,
      size: entry.size ?? length,
      typeflag,
      linkname,
      devmajor: entry.devmajor,
      devminor: entry.devminor,
    });
    yield* bodyChunks(entry.body);
    yield padding(length);
  }
  if (options.end ?? true) yield Buffer.alloc(1024);
  if (options.trailingZeros) yield* bodyChunks({ zeros: options.trailingZeros });
  if (options.trailing) yield Buffer.from(options.trailing);
}

/** A whole (small) archive in memory, uncompressed. */
export function tarBuffer(entries: TarEntry[], options: ArchiveOptions = {}): Buffer {
  return Buffer.concat([...tarBlocks(entries, options)]);
}

/** Writes an archive to `file` (gzipped unless `gzip: false`) and returns `file`. */
export async function writeArchive(file: string, entries: TarEntry[], options: ArchiveOptions = {}): Promise<string> {
  const source = Readable.from(tarBlocks(entries, options), { objectMode: false });
  if (options.gzip === false) {
    await pipeline(source, fs.createWriteStream(file));
  } else if (options.gzipTwice) {
    const level = options.level ?? 6;
    await pipeline(source, zlib.createGzip({ level }), zlib.createGzip({ level }), fs.createWriteStream(file));
  } else {
    await pipeline(source, zlib.createGzip({ level: options.level ?? 6 }), fs.createWriteStream(file));
  }
  return file;
}

// ---- ready-made archives ------------------------------------------------------

/** A path longer than the 100 bytes of a ustar name. */
export const LONG_DIR = `${'very-long-folder-name-'.repeat(6)}end`;

/**
 * An npm-style tarball: everything under `package/`, nested folders, an
 * executable, a setuid file, a group/other-writable file, a relative symlink
 * and a hard link inside, a path longer than 100 bytes (pax), and a
 * postinstall script that must never run.
 */
export function npmPackage(marker = '/tmp/devportal-postinstall-ran'): TarEntry[] {
  return [
    { path: 'package/', type: 'dir' },
    {
      path: 'package/package.json',
      body: JSON.stringify({
        name: '@acme/plugin-example',
        version: '1.2.3',
        main: 'dist/index.js',
        scripts: { postinstall: `touch ${marker}`, preinstall: `touch ${marker}` },
      }),
    },
    { path: 'package/dist/index.js', body: 'module.exports = 42;\n' },
    { path: 'package/dist/nested/deep/util.js', body: 'exports.util = true;\n' },
    { path: 'package/dist/alias.js', type: 'symlink', linkpath: 'nested/deep/util.js' },
    { path: 'package/dist/nested/deep/up.js', type: 'symlink', linkpath: '../../index.js' },
    { path: 'package/dist/same.js', type: 'hardlink', linkpath: 'package/dist/index.js' },
    { path: 'package/bin/cli.js', body: '#!/usr/bin/env node\n', mode: 0o755 },
    { path: 'package/bin/setuid.sh', body: '#!/bin/sh\n', mode: 0o4755 },
    { path: 'package/bin/sticky-setgid', body: 'x', mode: 0o3775 },
    { path: 'package/data/world-writable.txt', body: 'data', mode: 0o666 },
    { path: `package/dist/${LONG_DIR}/long.js`, body: 'exports.long = 1;\n' },
    { path: 'package/README.md', body: '# example\n' },
  ];
}

/** An OCI layer holding two plugin folders, as RHDH images do (some paths written `./…`). */
export function ociLayer(): TarEntry[] {
  return [
    { path: './', type: 'dir' },
    { path: './plugin-a/', type: 'dir' },
    { path: './plugin-a/package.json', body: '{"name":"plugin-a","version":"1.0.0"}' },
    { path: './plugin-a/dist/index.js', body: 'a' },
    { path: 'plugin-b/', type: 'dir' },
    { path: 'plugin-b/package.json', body: '{"name":"plugin-b","version":"2.0.0"}' },
    { path: 'plugin-b/dist/index.js', body: 'b' },
    { path: 'plugin-b/dist/chunk.js', type: 'symlink', linkpath: 'index.js' },
    { path: 'plugin-b/bin/run', body: 'run', mode: 0o775 },
    { path: 'plugin-bb/package.json', body: '{"name":"plugin-bb","version":"3.0.0"}' },
  ];
}

const base: TarEntry[] = [
  { path: 'package/', type: 'dir' },
  { path: 'package/package.json', body: '{"name":"evil","version":"6.6.6"}' },
];

/** Malicious and broken archives; each is refused whole. */
export const malicious = {
  dotDotPath: (): TarEntry[] => [...base, { path: 'package/../../evil', body: 'pwned' }],
  absolutePath: (target = '/etc/evil'): TarEntry[] => [...base, { path: target, body: 'pwned' }],
  symlinkToEtcPasswd: (): TarEntry[] => [...base, { path: 'package/passwd', type: 'symlink', linkpath: '/etc/passwd' }],
  symlinkUpAndOut: (): TarEntry[] => [...base, { path: 'package/lib/outside', type: 'symlink', linkpath: '../../outside' }],
  /** `up` is fine alone (it points to the package root); `escape` goes through it and then one level up. */
  symlinkChain: (): TarEntry[] => [
    ...base,
    { path: 'package/a/b/up', type: 'symlink', linkpath: '../..' },
    { path: 'package/escape', type: 'symlink', linkpath: 'a/b/up/../outside' },
  ],
  /** The same chain, written in the order that only a check of all links at the end can catch. */
  symlinkChainReversed: (): TarEntry[] => [
    ...base,
    { path: 'package/a/b/', type: 'dir' },
    { path: 'package/escape', type: 'symlink', linkpath: 'a/b/up/../outside' },
    { path: 'package/a/b/up', type: 'symlink', linkpath: '../..' },
  ],
  /** A link to a folder inside, then a file written through it. */
  writeThroughSymlink: (): TarEntry[] => [
    ...base,
    { path: 'package/lib/', type: 'dir' },
    { path: 'package/alias', type: 'symlink', linkpath: 'lib' },
    { path: 'package/alias/file.js', body: 'through the link' },
  ],
  symlinkLoop: (): TarEntry[] => [
    ...base,
    { path: 'package/one', type: 'symlink', linkpath: 'two' },
    { path: 'package/two', type: 'symlink', linkpath: 'one' },
  ],
  hardlinkOutside: (): TarEntry[] => [...base, { path: 'package/hl', type: 'hardlink', linkpath: 'package/../../outside-file' }],
  hardlinkAbsolute: (): TarEntry[] => [...base, { path: 'package/hl', type: 'hardlink', linkpath: '/etc/passwd' }],
  hardlinkNotYetExtracted: (): TarEntry[] => [
    ...base,
    { path: 'package/hl', type: 'hardlink', linkpath: 'package/later.js' },
    { path: 'package/later.js', body: 'later' },
  ],
  hardlinkToSymlink: (): TarEntry[] => [
    ...base,
    { path: 'package/link', type: 'symlink', linkpath: 'package.json' },
    { path: 'package/hl', type: 'hardlink', linkpath: 'package/link' },
  ],
  charDevice: (): TarEntry[] => [...base, { path: 'package/null', type: 'char', devmajor: 1, devminor: 3 }],
  blockDevice: (): TarEntry[] => [...base, { path: 'package/sda', type: 'block', devmajor: 8, devminor: 0 }],
  fifo: (): TarEntry[] => [...base, { path: 'package/pipe', type: 'fifo' }],
  unknownType: (): TarEntry[] => [...base, { path: 'package/odd', type: { flag: 'Q' }, body: 'odd' }],
  /** Declares 41 MB but holds a few bytes: refused from the header alone. */
  declaredTooLarge: (): TarEntry[] => [...base, { path: 'package/huge.bin', body: 'tiny', size: 41_000_000 }],
  /** One file of `bytes` zeros: compresses about 1000:1. */
  zeroBomb: (bytes = 200_000_000): TarEntry[] => [...base, { path: 'package/bomb.bin', body: { zeros: bytes } }],
  /** `count` files of `each` zeros. */
  manyZeroFiles: (count = 40, each = 5_000_000): TarEntry[] => [
    ...base,
    ...Array.from({ length: count }, (_, i) => ({ path: `package/zeros-${i}.bin`, body: { zeros: each } })),
  ],
  tooManyEntries: (count: number): TarEntry[] => [
    ...base,
    ...Array.from({ length: count }, (_, i) => ({ path: `package/f${i}.js`, body: '' })),
  ],
  /** No `package/`-like folder: only top-level files. */
  missingPrefix: (): TarEntry[] => [
    { path: 'package.json', body: '{"name":"flat","version":"1.0.0"}' },
    { path: 'index.js', body: 'x' },
  ],
};
