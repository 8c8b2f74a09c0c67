import fsSync, { constants as fsConstants } from 'node:fs';
import fs, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, type Readable } from 'node:stream';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { InstallError } from './errors';

/**
 * The only code in the installer that writes archive entries to disk.
 *
 * node-tar's streaming `Parser` reads the entries (it handles ustar, pax and
 * GNU long names); every file, folder and link is written here, with fs calls,
 * after these checks:
 *
 * - paths: no `..` segment, no absolute path (`/…`, `C:…`), no `\` or NUL, in
 *   any entry of the archive, selected or not;
 * - only regular files, folders, symbolic links and hard links; devices,
 *   FIFOs and any other type under the prefix are refused;
 * - symbolic links: relative targets only, at most 4095 bytes and 256 path
 *   segments (target and link path), resolved from the link's own folder
 *   through every link of the archive (so chains are followed), must stay
 *   inside `dest`; nothing is ever written through a link;
 * - hard links: only to a regular file already extracted from the archive;
 * - sizes: each entry (declared and actual bytes), the total of written bytes
 *   and the decompressed stream (gzip bombs) are capped, and so is the number
 *   of entries;
 * - modes: files 0o644, or 0o755 when any exec bit is set; folders 0o755; no
 *   setuid/setgid/sticky, no group/other write, no ownership change; times
 *   are not kept.
 *
 * Nothing here runs package scripts. On any failure `dest` is removed and an
 * `InstallError` is thrown whose one-line message names the entry and the
 * archive. Its codes: `UNSAFE_PATH`, `UNSAFE_SYMLINK`, `UNSAFE_HARDLINK`,
 * `UNSUPPORTED_ENTRY_TYPE`, `ENTRY_CONFLICT`, `ENTRY_TOO_LARGE`,
 * `ARCHIVE_TOO_LARGE`, `TOO_MANY_ENTRIES`, `EMPTY_ARCHIVE`, `CORRUPT_ARCHIVE`,
 * `UNSUPPORTED_ARCHIVE` (zstd, xz, bzip2), `ARCHIVE_NOT_FOUND`,
 * `ARCHIVE_UNREADABLE`, `EXTRACT_FAILED` (a file system error); and, before
 * anything is written (dest then left as it was): `INVALID_PREFIX`,
 * `INVALID_LIMIT`, `INVALID_DESTINATION`, `DESTINATION_NOT_EMPTY`.
 */

export const DEFAULT_MAX_ENTRY_BYTES = 40_000_000;
export const DEFAULT_MAX_TOTAL_BYTES = 500_000_000;
export const DEFAULT_MAX_ENTRIES = 50_000;
const MIN_MAX_ARCHIVE_BYTES = 2 * 1024 ** 3;
/** How many symbolic links one path may go through, as Linux' MAXSYMLINKS. */
const MAX_LINK_HOPS = 40;
/** Longest symbolic link target, and longest path of a link, in bytes (Linux' PATH_MAX less its NUL). */
export const MAX_LINK_BYTES = 4095;
/** Most path segments in a symbolic link's target or its own path, checked before anything is resolved. */
export const MAX_LINK_SEGMENTS = 256;

export interface ExtractOptions {
  /**
   * Which entries to extract, with that prefix removed:
   * `'first-component'` strips the first folder of every path, whatever its
   * name (npm tarballs: `package/…`); any other value is a folder of the
   * archive (one or more segments, e.g. the `<plugin-dir>` of an OCI layer
   * holding several plugins), and only entries under it are extracted.
   */
  prefix: 'first-component' | string;
  /** Largest single file, declared and actual bytes. Default 40 000 000. */
  maxEntryBytes?: number;
  /** Largest total of extracted file bytes. Default 500 MB. */
  maxTotalBytes?: number;
  /** Most entries in the archive (all entries, extracted or not). Default 50 000. */
  maxEntries?: number;
  /**
   * Largest decompressed archive stream, entries outside the prefix, headers
   * and padding included: bounds the work a compression bomb can cause.
   * Default the larger of 2 GiB and twice `maxTotalBytes`.
   */
  maxArchiveBytes?: number;
  /** Names the plugin in error messages (e.g. its package spec), next to the archive's path. */
  name?: string;
}

export interface ExtractResult {
  /** Regular files written (hard links included). */
  files: number;
  /** File bytes written. */
  bytes: number;
}

/**
 * Extracts the entries of a `.tgz`/`.tar.gz` or `.tar` archive under
 * `options.prefix` into `dest`, which must not exist or be an empty folder.
 * See the top of this file for what is refused.
 */
export async function extractTarball(archive: string, dest: string, options: ExtractOptions): Promise<ExtractResult> {
  const label = options?.name ? `${options.name} (${archive})` : archive;
  const limits = readLimits(options, label);
  const prefix = readPrefix(options?.prefix, label);
  const destAbs = path.resolve(dest);
  await prepareDest(destAbs, label);
  const extraction = new Extraction(archive, destAbs, label, prefix, limits);
  try {
    return await extraction.run();
  } catch (error) {
    await fs.rm(destAbs, { recursive: true, force: true }).catch(() => undefined);
    throw extraction.asInstallError(error);
  }
}

/**
 * Extracts several folders of one archive in a single pass (an OCI layer
 * holds a folder per plugin; decompressing and parsing it once per plugin
 * was most of a cold install's CPU). The i-th folder goes to `<dest>/<i>`,
 * held to everything `extractTarball` checks with that folder as prefix:
 * paths anywhere in the archive, `maxTotalBytes` per folder, links and hard
 * links inside their own folder, at least one file in each. The folders
 * must not nest. Returns the folders written, in the order given; any
 * failure removes dest and throws, so a caller can retry one by one to learn
 * which folder failed.
 */
export async function extractTarballFolders(
  archive: string,
  dest: string,
  folders: string[],
  options: Omit<ExtractOptions, 'prefix'>,
): Promise<string[]> {
  const label = options?.name ? `${options.name} (${archive})` : archive;
  const limits = readLimits(options, label);
  const parsed = folders.map(folder => readPrefix(folder, label));
  const texts = parsed.map(p => (p.kind === 'folder' ? p.text : ''));
  const nested = (a: string, b: string) => a === b || b.startsWith(`${a}/`);
  if (parsed.length === 0 || texts.some((a, i) => !a || texts.some((b, j) => i !== j && nested(a, b)))) {
    throw new InstallError(`Cannot extract ${label}: the folders to extract must be distinct and not nested`, 'INVALID_PREFIX');
  }
  const destAbs = path.resolve(dest);
  await prepareDest(destAbs, label);
  const extraction = new Extraction(archive, destAbs, label, { kind: 'folders', folders: parsed as Folder[] }, limits);
  try {
    await extraction.run();
  } catch (error) {
    await fs.rm(destAbs, { recursive: true, force: true }).catch(() => undefined);
    throw extraction.asInstallError(error);
  }
  return folders.map((_, i) => path.join(destAbs, String(i)));
}

interface Limits {
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxEntries: number;
  maxArchiveBytes: number;
}

type Folder = { kind: 'folder'; segments: string[]; text: string };
/**
 * `folders`: several folders of one archive in one pass (the plugins of an
 * OCI layer), each into its own numbered folder of dest. Each is held to
 * the same rules as if it were extracted alone: its own size limit, links
 * and hard links that stay inside it, at least one file.
 */
type Prefix = { kind: 'first-component' } | Folder | { kind: 'folders'; folders: Folder[] };

type Plan =
  | { kind: 'dir'; rel: string[] }
  | { kind: 'file'; rel: string[]; size: number; mode: number }
  | { kind: 'symlink'; rel: string[]; target: string }
  | { kind: 'hardlink'; rel: string[]; target: string[]; targetName: string };

type Kind = 'dir' | 'file' | 'symlink';

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);

const TYPE_NAMES: Record<string, string> = {
  CharacterDevice: 'a character device',
  BlockDevice: 'a block device',
  FIFO: 'a FIFO (named pipe)',
  GNUDumpDir: 'a GNU dump folder',
  SolarisACL: 'a Solaris ACL',
  Inode: 'an inode-only entry',
  ContinuationFile: 'a multi-volume continuation',
  SparseFile: 'a sparse file',
  TapeVolumeHeader: 'a tape volume header',
};

class Extraction {
  private readonly parser: Parser;
  /** What exists under dest, by `/`-joined relative path ('' is dest itself). */
  private readonly kinds = new Map<string, Kind>([['', 'dir']]);
  /** Symbolic links written: relative path → target. */
  private readonly links = new Map<string, string>();
  /** The same, keyed case- and normalization-insensitively (macOS, Windows). */
  private readonly foldedLinks = new Map<string, string>();
  /** The archive path of each link, for messages. */
  private readonly linkNames = new Map<string, string>();
  private chain: Promise<void> = Promise.resolve();
  /** Small files being written in the background (`writeFile`), by relative path. */
  private readonly pending = new Map<string, Promise<void>>();
  private error: unknown;
  private readonly failed: Promise<void>;
  private signalFailed!: () => void;
  private current?: ReadEntry;
  private wakeFeeder?: () => void;
  private sawEof = false;
  private entries = 0;
  private streamBytes = 0;
  private files = 0;
  private bytes = 0;
  /** Per target folder (one, but for `folders`): declared and written bytes, files. */
  private readonly targetDeclared: number[] = [];
  private readonly targetBytes: number[] = [];
  private readonly targetFiles: number[] = [];

  constructor(
    private readonly archive: string,
    private readonly dest: string,
    private readonly label: string,
    private readonly prefix: Prefix,
    private readonly limits: Limits,
  ) {
    this.failed = new Promise(resolve => {
      this.signalFailed = resolve;
    });
    // The archive is decompressed here (to count the bytes); zstd sniffing is
    // off so the parser never decompresses anything itself.
    this.parser = new Parser({ zstd: false });
    this.parser.on('entry', (entry: ReadEntry) => this.onEntry(entry));
    this.parser.on('ignoredEntry', (entry: ReadEntry) => this.onEntry(entry));
    this.parser.on('eof', () => {
      this.sawEof = true;
    });
    this.parser.on('warn', (_code: string, message: string | Error) => this.onParserProblem(message));
    this.parser.on('error', (error: Error) => this.onParserProblem(error));
  }

  async run(): Promise<ExtractResult> {
    const source = await this.open();
    try {
      await this.feed(source);
    } catch (error) {
      this.fail(error);
    }
    if (!this.hasFailed()) {
      const ended = new Promise<void>(resolve => this.parser.once('end', () => resolve()));
      this.parser.end();
      await Promise.race([ended, this.failed]);
    }
    await this.chain;
    // Background writes end before success is reported or dest is removed.
    await Promise.all(this.pending.values());
    if (this.hasFailed()) throw this.error;

    // Links are checked as they are written; again now that all exist, since
    // a link can escape through one that came later in the archive.
    for (const [linkKey, target] of this.links) {
      this.checkLinkInside(linkKey, target, this.linkNames.get(linkKey) ?? linkKey);
    }
    const folders = this.prefix.kind === 'folders' ? this.prefix.folders : [this.prefix];
    folders.forEach((folder, t) => {
      if (this.targetFiles[t]) return;
      throw new InstallError(
        folder.kind === 'first-component'
          ? `Nothing to extract from ${this.label}: it holds no file inside a top-level folder (an npm tarball has them under package/)`
          : `Nothing to extract from ${this.label}: it holds no file under ${folder.text}/`,
        'EMPTY_ARCHIVE',
      );
    });
    return { files: this.files, bytes: this.bytes };
  }

  /** Turns any failure into the one-line `InstallError` the caller sees. */
  asInstallError(error: unknown): InstallError {
    if (error instanceof InstallError) return error;
    return new InstallError(`Cannot extract ${this.label}: ${describeFsError(error)}`, 'EXTRACT_FAILED');
  }

  // ---- reading -------------------------------------------------------------

  /** Opens the archive and returns its decompressed bytes. */
  private async open(): Promise<Readable> {
    let handle: FileHandle;
    try {
      handle = await fs.open(this.archive, 'r');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new InstallError(
        `Cannot read the archive ${this.label}: ${e.code ?? oneLine(e.message)}`,
        e.code === 'ENOENT' ? 'ARCHIVE_NOT_FOUND' : 'ARCHIVE_UNREADABLE',
      );
    }
    let magic: Buffer;
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(6), 0, 6, 0);
      magic = buffer.subarray(0, bytesRead);
    } catch (error) {
      await handle.close();
      throw new InstallError(
        `Cannot read the archive ${this.label}: ${oneLine((error as Error).message)}`,
        'ARCHIVE_UNREADABLE',
      );
    }
    const compression = sniffCompression(magic);
    if (compression !== 'gzip' && compression !== 'none') {
      await handle.close();
      throw new InstallError(
        `Cannot extract ${this.label}: ${compression}-compressed archives are not supported (use gzip or plain tar)`,
        'UNSUPPORTED_ARCHIVE',
      );
    }
    const file = handle.createReadStream({ start: 0 });
    if (compression === 'none') return file;
    const gunzip = zlib.createGunzip();
    // Errors reach the reader through `gunzip`, which pipeline destroys.
    pipeline(file, gunzip, () => undefined);
    return gunzip;
  }

  /** Feeds the decompressed bytes to the parser, counting them and honouring its backpressure. */
  private async feed(source: Readable): Promise<void> {
    // The parser would gunzip a stream starting with the gzip magic itself,
    // past these counters: such a (twice compressed) archive is refused.
    let head = Buffer.alloc(0);
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        if (this.hasFailed()) break;
        if (head.length < 2) {
          head = Buffer.concat([head, chunk.subarray(0, 2 - head.length)]);
          if (head.length === 2 && sniffCompression(head) === 'gzip') {
            throw new InstallError(`Cannot extract ${this.label}: it is gzip-compressed twice, which is refused`, 'CORRUPT_ARCHIVE');
          }
        }
        this.streamBytes += chunk.length;
        if (this.streamBytes > this.limits.maxArchiveBytes) {
          throw new InstallError(
            `Refusing ${this.label}: it decompresses to more than ${formatBytes(this.limits.maxArchiveBytes)}`,
            'ARCHIVE_TOO_LARGE',
          );
        }
        if (!this.parser.write(chunk)) await this.drained();
        // The end-of-archive marker: whatever follows is never read.
        if (this.sawEof || this.hasFailed()) break;
      }
      // Without the marker, an archive may end after a whole entry (tolerated,
      // as GNU tar does) but not inside a header.
      if (!this.sawEof && !this.hasFailed() && this.streamBytes % 512 !== 0) {
        throw new InstallError(`Cannot extract ${this.label}: not a valid tar archive (it ends inside a header)`, 'CORRUPT_ARCHIVE');
      }
    } catch (error) {
      if (error instanceof InstallError) throw error;
      const e = error as NodeJS.ErrnoException;
      throw new InstallError(
        e.code?.startsWith('Z_')
          ? `Cannot extract ${this.label}: the gzip data is corrupt (${oneLine(e.message)})`
          : `Cannot read the archive ${this.label}: ${e.code ?? oneLine(e.message)}`,
        e.code?.startsWith('Z_') ? 'CORRUPT_ARCHIVE' : 'ARCHIVE_UNREADABLE',
      );
    } finally {
      source.destroy();
    }
  }

  private drained(): Promise<void> {
    return new Promise(resolve => {
      const done = () => {
        this.parser.off('drain', done);
        this.wakeFeeder = undefined;
        resolve();
      };
      this.wakeFeeder = done;
      this.parser.once('drain', done);
    });
  }

  private onParserProblem(problem: string | Error) {
    const message = typeof problem === 'string' ? problem : problem.message;
    this.fail(new InstallError(`Cannot extract ${this.label}: not a valid tar archive (${oneLine(message)})`, 'CORRUPT_ARCHIVE'));
  }

  private hasFailed() {
    return this.error !== undefined;
  }

  private fail(error: unknown) {
    if (this.hasFailed()) return;
    this.error = error ?? new Error('unknown failure');
    // Unblocks a file being written, whose remaining bytes will never come.
    this.current?.destroy();
    this.wakeFeeder?.();
    this.signalFailed();
  }

  // ---- entries ---------------------------------------------------------------

  /** Called by the parser for each entry, in order; the work is queued. */
  private onEntry(entry: ReadEntry) {
    if (this.hasFailed()) {
      entry.resume();
      return;
    }
    let plan: Plan | undefined;
    try {
      plan = this.plan(entry);
    } catch (error) {
      entry.resume();
      this.fail(error);
      return;
    }
    // Only file bodies are read; the rest is skipped right away.
    if (plan?.kind !== 'file') entry.resume();
    if (!plan) return;
    const task = plan;
    this.chain = this.chain
      .then(() => (this.hasFailed() ? undefined : this.apply(task, entry)))
      .catch(error => this.fail(error));
  }

  /** Checks an entry against everything its header says, before any byte of it is used. */
  private plan(entry: ReadEntry): Plan | undefined {
    const name = entry.path;
    this.entries++;
    if (this.entries > this.limits.maxEntries) {
      throw new InstallError(
        `Refusing ${this.label}: it has more than ${this.limits.maxEntries} entries (at ${quote(name)})`,
        'TOO_MANY_ENTRIES',
      );
    }
    if (entry.meta) {
      throw this.refuse(name, 'is an extended header larger than the parser accepts', 'CORRUPT_ARCHIVE');
    }
    const segments = this.safeSegments(name, 'UNSAFE_PATH', name);
    const rel = this.strip(segments);
    if (!rel) return undefined;

    const type = entry.header.type;
    if (entry.type !== type) {
      throw this.refuse(name, `has conflicting types (${type} in its header, ${String(entry.type)} in an extended header)`, 'CORRUPT_ARCHIVE');
    }
    // With `folders`, rel starts with the target's number: `depth` segments.
    const depth = this.depth();
    const t = depth ? Number(rel[0]) : 0;
    if (rel.length === depth && type !== 'Directory') {
      // With 'first-component', a top-level non-folder entry is outside every
      // folder: not extracted. With a named folder, that folder must be one.
      if (this.prefix.kind === 'first-component') return undefined;
      const folder = this.prefix.kind === 'folders' ? this.prefix.folders[t] : this.prefix;
      throw this.refuse(name, `should be the folder ${folder.text}/ but is not a folder`, type === 'SymbolicLink' ? 'UNSAFE_SYMLINK' : 'ENTRY_CONFLICT');
    }
    if (FILE_TYPES.has(type)) {
      const size = entry.size ?? 0;
      if (size > this.limits.maxEntryBytes) {
        throw this.refuse(name, `is ${formatBytes(size)}, more than the ${formatBytes(this.limits.maxEntryBytes)} allowed per file`, 'ENTRY_TOO_LARGE');
      }
      this.targetDeclared[t] = (this.targetDeclared[t] ?? 0) + size;
      if (this.targetDeclared[t] > this.limits.maxTotalBytes) {
        throw this.tooLarge(name);
      }
      const executable = ((entry.mode ?? 0) & 0o111) !== 0;
      return { kind: 'file', rel, size, mode: executable ? 0o755 : 0o644 };
    }
    if (type === 'Directory') {
      return rel.length === depth ? undefined : { kind: 'dir', rel };
    }
    if (type === 'SymbolicLink') {
      const target = entry.linkpath ?? '';
      if (target === '') throw this.refuse(name, 'is a symbolic link without a target', 'UNSAFE_SYMLINK');
      if (isAbsoluteLike(target)) {
        throw this.refuse(name, `is a symbolic link to an absolute path (${quote(target)})`, 'UNSAFE_SYMLINK');
      }
      // Bounds the work of resolving it (checkLinkInside) before it starts.
      const targetBytes = Buffer.byteLength(target);
      if (targetBytes > MAX_LINK_BYTES || Buffer.byteLength(name) > MAX_LINK_BYTES) {
        const what = targetBytes > MAX_LINK_BYTES ? `a target of ${targetBytes} bytes` : `a path of ${Buffer.byteLength(name)} bytes`;
        throw this.refuse(name, `is a symbolic link with ${what}, more than the ${MAX_LINK_BYTES} allowed`, 'UNSAFE_SYMLINK');
      }
      if (countSegments(target) > MAX_LINK_SEGMENTS || rel.length - depth > MAX_LINK_SEGMENTS) {
        throw this.refuse(name, `is a symbolic link with more than ${MAX_LINK_SEGMENTS} path segments`, 'UNSAFE_SYMLINK');
      }
      return { kind: 'symlink', rel, target };
    }
    if (type === 'Link') {
      const target = entry.linkpath ?? '';
      const targetRel = this.strip(this.safeSegments(target, 'UNSAFE_HARDLINK', name));
      // Into the same target folder only (`folders`: the same number first).
      if (!targetRel || targetRel.length === depth || (depth && targetRel[0] !== rel[0])) {
        throw this.refuse(name, `is a hard link to ${quote(target)}, outside the plugin folder`, 'UNSAFE_HARDLINK');
      }
      return { kind: 'hardlink', rel, target: targetRel, targetName: target };
    }
    const what = TYPE_NAMES[type] ?? 'of an unsupported type';
    throw this.refuse(name, `is ${what}, which is never extracted`, 'UNSUPPORTED_ENTRY_TYPE');
  }

  /** Writes one entry; runs after the previous entry is written. */
  private async apply(plan: Plan, entry: ReadEntry): Promise<void> {
    const name = entry.path;
    try {
      await this.makeParents(plan.rel, name);
      switch (plan.kind) {
        case 'dir':
          return await this.makeDir(plan.rel, name);
        case 'file':
          return await this.writeFile(plan, entry);
        case 'symlink':
          return await this.writeSymlink(plan, name);
        case 'hardlink':
          return await this.writeHardlink(plan, name);
        default:
          return undefined;
      }
    } catch (error) {
      if (error instanceof InstallError || this.hasFailed()) throw error;
      throw this.asEntryError(error, name);
    }
  }

  private asEntryError(error: unknown, name: string): InstallError {
    if (error instanceof InstallError) return error;
    return new InstallError(`Cannot extract entry ${quote(name)} of ${this.label}: ${describeFsError(error)}`, 'EXTRACT_FAILED');
  }

  private async writeFile(plan: Extract<Plan, { kind: 'file' }>, entry: ReadEntry) {
    const name = entry.path;
    const file = await this.prepareLeaf(plan.rel, name);
    const t = this.targetOf(plan.rel);
    const leafKey = key(plan.rel);
    // A small file is read into memory and written in the background while
    // the next entries are read: creating a file is the costly call, and one
    // at a time it made a 1,200-file layer take half a second. Everything
    // about the entry is checked here, in archive order, before its write
    // starts; writes to the same path, and hard links to it, wait for it.
    const small = plan.size <= SMALL_FILE_BYTES;
    const chunks: Buffer[] = [];
    let fd: number | undefined;
    if (!small) fd = await openFile(file, FILE_FLAGS, plan.mode);
    this.kinds.set(leafKey, 'file');
    let written = 0;
    this.current = entry;
    try {
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        if (this.hasFailed()) return;
        written += chunk.length;
        this.bytes += chunk.length;
        this.targetBytes[t] = (this.targetBytes[t] ?? 0) + chunk.length;
        if (written > this.limits.maxEntryBytes) {
          throw this.refuse(name, `is more than the ${formatBytes(this.limits.maxEntryBytes)} allowed per file`, 'ENTRY_TOO_LARGE');
        }
        if (this.targetBytes[t] > this.limits.maxTotalBytes) throw this.tooLarge(name);
        if (fd === undefined) chunks.push(chunk);
        else writeAllSync(fd, chunk);
      }
      if (this.hasFailed()) return;
      if (written !== plan.size) {
        throw this.refuse(name, `is truncated (${written} of ${plan.size} bytes)`, 'CORRUPT_ARCHIVE');
      }
      // Explicit, so the umask does not matter.
      if (fd !== undefined) fsSync.fchmodSync(fd, plan.mode);
    } finally {
      this.current = undefined;
      if (fd !== undefined) fsSync.closeSync(fd);
    }
    if (fd !== undefined) return this.countFile(t);
    const write = async () => {
      try {
        await writeWhole(file, chunks, plan.mode);
        this.countFile(t);
      } catch (error) {
        this.fail(this.asEntryError(error, name));
      }
    };
    // Bounds the memory held by bodies waiting for their write.
    while (this.pending.size >= MAX_PENDING_WRITES) await Promise.race(this.pending.values());
    const pending: Promise<void> = write().finally(() => {
      if (this.pending.get(leafKey) === pending) this.pending.delete(leafKey);
    });
    this.pending.set(leafKey, pending);
  }

  private countFile(t: number) {
    this.files++;
    this.targetFiles[t] = (this.targetFiles[t] ?? 0) + 1;
  }

  private async writeSymlink(plan: Extract<Plan, { kind: 'symlink' }>, name: string) {
    const file = await this.prepareLeaf(plan.rel, name);
    const linkKey = key(plan.rel);
    this.addLink(linkKey, plan.target);
    this.linkNames.set(linkKey, name);
    try {
      this.checkLinkInside(linkKey, plan.target, name);
    } catch (error) {
      this.removeLink(linkKey);
      throw error;
    }
    await fs.symlink(plan.target, file);
    this.kinds.set(linkKey, 'symlink');
  }

  private async writeHardlink(plan: Extract<Plan, { kind: 'hardlink' }>, name: string) {
    const targetKey = key(plan.target);
    if (this.kinds.get(targetKey) !== 'file' || targetKey === key(plan.rel)) {
      throw this.refuse(
        name,
        `is a hard link to ${quote(plan.targetName)}, which is not a regular file extracted before it`,
        'UNSAFE_HARDLINK',
      );
    }
    const file = await this.prepareLeaf(plan.rel, name);
    // The target is complete before it gets a second name.
    await this.pending.get(targetKey);
    await fs.link(this.abs(plan.target), file);
    this.kinds.set(key(plan.rel), 'file');
    this.countFile(this.targetOf(plan.rel));
  }

  private async makeDir(rel: string[], name: string) {
    const existing = this.kinds.get(key(rel));
    if (existing === 'dir') return;
    if (existing) throw this.conflict(name, rel);
    await this.mkdir(rel, name);
  }

  /** Creates the missing parent folders of `rel`, refusing to go through a link or a file. */
  private async makeParents(rel: string[], name: string) {
    for (let i = 1; i < rel.length; i++) {
      const parent = rel.slice(0, i);
      const parentKey = key(parent);
      if (this.lookupLink(parentKey) !== undefined) {
        throw this.refuse(name, `would be written through the symbolic link ${quote(parentKey)}`, 'UNSAFE_SYMLINK');
      }
      const existing = this.kinds.get(parentKey);
      if (existing === 'dir') continue;
      if (existing) throw this.conflict(name, parent);
      await this.mkdir(parent, name);
    }
  }

  private async mkdir(rel: string[], name: string) {
    const dir = this.abs(rel);
    try {
      await fs.mkdir(dir, { mode: 0o755 });
    } catch (error) {
      // Another spelling of the same folder on a case-insensitive disk.
      const stat = (error as NodeJS.ErrnoException).code === 'EEXIST' ? await fs.lstat(dir) : undefined;
      if (!stat?.isDirectory()) {
        if (stat) throw this.conflict(name, rel);
        throw error;
      }
    }
    await fs.chmod(dir, 0o755);
    this.kinds.set(key(rel), 'dir');
  }

  /** Makes room for a non-folder entry at `rel`: a later entry replaces an earlier file or link. */
  private async prepareLeaf(rel: string[], name: string): Promise<string> {
    const leafKey = key(rel);
    const file = this.abs(rel);
    const existing = this.kinds.get(leafKey);
    if (existing === 'dir') throw this.conflict(name, rel);
    if (existing) {
      // A file still being written is replaced only once it is complete.
      await this.pending.get(leafKey);
      await fs.unlink(file);
      this.kinds.delete(leafKey);
      this.removeLink(leafKey);
    }
    return file;
  }

  // ---- links -------------------------------------------------------------------

  private addLink(linkKey: string, target: string) {
    this.links.set(linkKey, target);
    this.foldedLinks.set(fold(linkKey), target);
  }

  private removeLink(linkKey: string) {
    if (!this.links.delete(linkKey)) return;
    this.linkNames.delete(linkKey);
    const folded = fold(linkKey);
    this.foldedLinks.delete(folded);
    for (const [other, target] of this.links) {
      if (fold(other) === folded) this.foldedLinks.set(folded, target);
    }
  }

  private lookupLink(linkKey: string): string | undefined {
    return this.links.get(linkKey) ?? this.foldedLinks.get(fold(linkKey));
  }

  /**
   * Resolves the link at `linkKey` as the file system would, through every
   * link written so far (a case-insensitive disk included), and refuses it if
   * it leaves dest at any step.
   */
  private checkLinkInside(linkKey: string, target: string, name: string) {
    const resolved: string[] = [];
    const pending = linkKey.split('/');
    let hops = 0;
    while (pending.length > 0) {
      const segment = pending.shift()!;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        // At the top of dest, or of its target folder (`folders`).
        if (resolved.length <= this.depth()) {
          throw this.refuse(name, `is a symbolic link to ${quote(target)}, which points outside the plugin folder`, 'UNSAFE_SYMLINK');
        }
        resolved.pop();
        continue;
      }
      resolved.push(segment);
      const next = this.lookupLink(resolved.join('/'));
      if (next === undefined) continue;
      if (++hops > MAX_LINK_HOPS) {
        throw this.refuse(name, `is a symbolic link to ${quote(target)}, which is part of a loop of links`, 'UNSAFE_SYMLINK');
      }
      if (isAbsoluteLike(next)) {
        throw this.refuse(name, `is a symbolic link to ${quote(target)}, which points outside the plugin folder`, 'UNSAFE_SYMLINK');
      }
      resolved.pop();
      pending.unshift(...next.split('/'));
    }
  }

  // ---- paths ---------------------------------------------------------------------

  /** The segments of an archive path, `.` and empty ones dropped; refuses unsafe paths. */
  private safeSegments(value: string, code: string, name: string): string[] {
    const what = value === name ? 'has' : `links to ${quote(value)}, which has`;
    if (isAbsoluteLike(value)) throw this.refuse(name, `${what} an absolute path`, code);
    if (value.includes('\\')) throw this.refuse(name, `${what} a backslash in its path`, code);
    if (value.includes('\0')) throw this.refuse(name, `${what} a NUL character in its path`, code);
    const segments = value.split('/').filter(segment => segment !== '' && segment !== '.');
    if (segments.includes('..')) throw this.refuse(name, `${what} a '..' path segment`, code);
    return segments;
  }

  /** The path below the prefix, or undefined when the entry is not under it. */
  private strip(segments: string[]): string[] | undefined {
    if (this.prefix.kind === 'first-component') {
      return segments.length === 0 ? undefined : segments.slice(1);
    }
    if (this.prefix.kind === 'folder') return below(this.prefix.segments, segments);
    // The folders do not nest (extractTarballFolders checks): one matches at most.
    for (const [t, folder] of this.prefix.folders.entries()) {
      const rel = below(folder.segments, segments);
      if (rel) return [String(t), ...rel];
    }
    return undefined;
  }

  /** How many leading segments of a relative path name its target folder: 1 with `folders`, else 0. */
  private depth(): number {
    return this.prefix.kind === 'folders' ? 1 : 0;
  }

  private targetOf(rel: string[]): number {
    return this.depth() ? Number(rel[0]) : 0;
  }

  private abs(rel: string[]): string {
    const file = path.join(this.dest, ...rel);
    // Cannot happen after safeSegments; kept as the last line of defence.
    if (file !== this.dest && !file.startsWith(this.dest + path.sep)) {
      throw new InstallError(`Refusing ${this.label}: ${quote(rel.join('/'))} resolves outside ${this.dest}`, 'UNSAFE_PATH');
    }
    return file;
  }

  // ---- messages ------------------------------------------------------------------

  private refuse(name: string, reason: string, code: string) {
    return new InstallError(`Refusing ${this.label}: entry ${quote(name)} ${reason}`, code);
  }

  private conflict(name: string, rel: string[]) {
    return this.refuse(name, `conflicts with ${quote(rel.join('/'))} extracted before it as another kind of entry`, 'ENTRY_CONFLICT');
  }

  private tooLarge(name: string) {
    return new InstallError(
      `Refusing ${this.label}: its files add up to more than ${formatBytes(this.limits.maxTotalBytes)} (at entry ${quote(name)})`,
      'ARCHIVE_TOO_LARGE',
    );
  }
}

/** `segments` without the leading `wanted` ones, or undefined when it does not start with them. */
function below(wanted: string[], segments: string[]): string[] | undefined {
  if (segments.length < wanted.length) return undefined;
  for (let i = 0; i < wanted.length; i++) {
    if (segments[i] !== wanted[i]) return undefined;
  }
  return segments.slice(wanted.length);
}

function readLimits(options: Omit<ExtractOptions, 'prefix'> | undefined, label: string): Limits {
  const read = (name: 'maxEntryBytes' | 'maxTotalBytes' | 'maxEntries' | 'maxArchiveBytes', fallback: number): number => {
    const value = options?.[name];
    if (value === undefined || value === null) return fallback;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
      throw new InstallError(`Cannot extract ${label}: ${name} must be a positive whole number, not ${String(value)}`, 'INVALID_LIMIT');
    }
    return value;
  };
  const maxTotalBytes = read('maxTotalBytes', DEFAULT_MAX_TOTAL_BYTES);
  return {
    maxEntryBytes: read('maxEntryBytes', DEFAULT_MAX_ENTRY_BYTES),
    maxTotalBytes,
    maxEntries: read('maxEntries', DEFAULT_MAX_ENTRIES),
    maxArchiveBytes: read('maxArchiveBytes', Math.max(MIN_MAX_ARCHIVE_BYTES, 2 * maxTotalBytes)),
  };
}

function readPrefix(prefix: unknown, label: string): Prefix & { kind: 'first-component' | 'folder' } {
  if (prefix === 'first-component') return { kind: 'first-component' };
  const invalid = () =>
    new InstallError(
      `Cannot extract ${label}: the folder to extract ${quote(String(prefix))} must be a relative path without '..'`,
      'INVALID_PREFIX',
    );
  if (typeof prefix !== 'string' || isAbsoluteLike(prefix) || prefix.includes('\\') || prefix.includes('\0')) {
    throw invalid();
  }
  const segments = prefix.split('/').filter(segment => segment !== '' && segment !== '.');
  if (segments.length === 0 || segments.includes('..')) throw invalid();
  return { kind: 'folder', segments, text: segments.join('/') };
}

/** Checks that dest is missing (then creates it) or an empty real folder. Never removes anything. */
async function prepareDest(dest: string, label: string) {
  const stat = await fs.lstat(dest).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new InstallError(`Cannot extract ${label} into ${dest}: ${error.code ?? oneLine(error.message)}`, 'INVALID_DESTINATION');
  });
  if (!stat) {
    await fs.mkdir(dest, { recursive: true, mode: 0o755 }).catch((error: NodeJS.ErrnoException) => {
      throw new InstallError(`Cannot create ${dest} to extract ${label}: ${error.code ?? oneLine(error.message)}`, 'INVALID_DESTINATION');
    });
    await fs.chmod(dest, 0o755);
    return;
  }
  if (!stat.isDirectory()) {
    throw new InstallError(`Cannot extract ${label} into ${dest}: it exists and is not a folder`, 'INVALID_DESTINATION');
  }
  if ((await fs.readdir(dest)).length > 0) {
    throw new InstallError(`Cannot extract ${label} into ${dest}: the folder is not empty`, 'DESTINATION_NOT_EMPTY');
  }
}

function sniffCompression(magic: Uint8Array): 'gzip' | 'zstd' | 'bzip2' | 'xz' | 'none' {
  const starts = (...bytes: number[]) => bytes.every((byte, i) => magic[i] === byte);
  if (starts(0x1f, 0x8b)) return 'gzip';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'zstd';
  if (starts(0x42, 0x5a, 0x68)) return 'bzip2';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'xz';
  return 'none';
}

const openFile = promisify(fsSync.open);
// O_EXCL: never opens what is already there, a link least of all.
const FILE_FLAGS = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | (fsConstants.O_NOFOLLOW ?? 0);
/** Files up to this size are read whole and written in the background (`writeFile`). */
const SMALL_FILE_BYTES = 256 * 1024;
/** Most background writes of one extraction: with SMALL_FILE_BYTES, at most 4 MiB of bodies held. */
const MAX_PENDING_WRITES = 16;

/**
 * Creates a new file with these bytes. The open (which creates the file, the
 * costly call) runs on the thread pool; writes, chmod and close of a small,
 * page-cached file are synchronous: a promise, a FileHandle and a thread-pool
 * round trip each cost more than the system call.
 */
async function writeWhole(file: string, chunks: Buffer[], mode: number) {
  const fd = await openFile(file, FILE_FLAGS, mode);
  try {
    for (const chunk of chunks) writeAllSync(fd, chunk);
    // Explicit, so the umask does not matter.
    fsSync.fchmodSync(fd, mode);
  } finally {
    fsSync.closeSync(fd);
  }
}

function writeAllSync(fd: number, chunk: Buffer) {
  let offset = 0;
  while (offset < chunk.length) offset += fsSync.writeSync(fd, chunk, offset, chunk.length - offset);
}

/** `/x`, `C:x`, `C:\x`, `\\server\x`: absolute on some platform. */
function isAbsoluteLike(value: string): boolean {
  return value.startsWith('/') || value.startsWith('\\') || /^[A-Za-z]:/.test(value);
}

function countSegments(value: string): number {
  let count = 1;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) === 0x2f) count++;
  return count;
}

function key(rel: string[]): string {
  return rel.join('/');
}

/** Case- and Unicode-normalization-insensitive form of a path, as macOS and Windows disks compare names. */
function fold(value: string): string {
  return value.normalize('NFD').toLowerCase();
}

function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
  if (bytes >= 1_000) return `${(bytes / 1_000).toLocaleString('en-US', { maximumFractionDigits: 1 })} kB`;
  return `${bytes} bytes`;
}

/** Quotes an archive path for a one-line message: escapes control characters, shortens long ones. */
function quote(value: string): string {
  const short = value.length > 200 ? `${value.slice(0, 200)}…` : value;
  return JSON.stringify(short).replace(/[\u0080-\u009f\u2028\u2029]/g, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** An fs error without the (possibly huge) path Node puts in its message, e.g. `ENOSPC (write)`. */
function describeFsError(error: unknown): string {
  const e = error as NodeJS.ErrnoException | undefined;
  if (e?.code && e.syscall) return `${e.code} (${e.syscall})`;
  return oneLine(e?.message ?? String(error)).slice(0, 300);
}

function oneLine(message: string): string {
  return message.split(/\r?\n/)[0];
}
