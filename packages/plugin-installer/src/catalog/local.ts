import fs from 'node:fs/promises';
import path from 'node:path';
import { isSeq, type Node } from 'yaml';
import { InstallError } from '../errors';
import { readRegularFile } from '../files';
import { readIndexEntry } from './entry';
import { MAX_ENTRIES_PER_SOURCE, type CatalogReadResult } from './types';
import { CatalogFileError, decodeUtf8, parseCatalogYaml } from './yaml';

/** A problem as one line: our own errors as they are, anything else with the place it came from. */
export function errorLine(where: string, error: unknown): string {
  if (error instanceof CatalogFileError) return error.message;
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return message.startsWith(where) ? message : `${where}: ${message}`;
}

async function readText(file: string, maxBytes: number): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFile(file, maxBytes, 'the catalog file size limit');
  } catch (error) {
    // Too large or not a regular file: the installer's own one-line message.
    if (error instanceof InstallError) throw error;
    throw new CatalogFileError(`${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return decodeUtf8(bytes, file);
}

/**
 * An index folder: every `*.yaml` file directly in it is one entry, named
 * after its id (`<id>.yaml`), so an entry is found by its id and two files
 * cannot claim the same one. Other files (readmes) are left alone.
 */
export async function readIndexFolder(dir: string, maxBytes: number): Promise<CatalogReadResult> {
  const result: CatalogReadResult = { entries: [], errors: [] };
  let names: string[];
  try {
    const dirents = await fs.readdir(dir, { withFileTypes: true });
    names = dirents.filter(d => /\.ya?ml$/.test(d.name) && (d.isFile() || d.isSymbolicLink())).map(d => d.name).sort();
  } catch (error) {
    result.errors.push(`${dir}: cannot read the catalog index folder (${(error as NodeJS.ErrnoException).code ?? error})`);
    return result;
  }
  if (names.length > MAX_ENTRIES_PER_SOURCE) {
    result.errors.push(`${dir}: more than ${MAX_ENTRIES_PER_SOURCE} index files; only the first ${MAX_ENTRIES_PER_SOURCE} are read`);
    names = names.slice(0, MAX_ENTRIES_PER_SOURCE);
  }
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const yaml = parseCatalogYaml(await readText(file, maxBytes), file);
      if (yaml.documents.length !== 1) throw new CatalogFileError(`${file}:1: an index file holds exactly one entry (one YAML document)`);
      const doc = yaml.documents[0];
      const entry = await readIndexEntry(doc.contents as Node, { yaml, doc, origin: file, readmeDir: dir, maxReadmeBytes: maxBytes });
      const expected = name.replace(/\.ya?ml$/, '');
      if (entry.id !== expected) {
        const idNode = (doc.contents as any).items.find((p: any) => p.key?.value === 'id')?.key;
        throw yaml.error(idNode, 'id', `is '${entry.id}' but the file is ${name}: name the file <id>.yaml`);
      }
      result.entries.push(entry);
    } catch (error) {
      result.errors.push(errorLine(file, error));
    }
  }
  return result;
}

/** A file holding a YAML list of entries; a bad entry is one error, the others load. */
export async function readListFile(file: string, maxBytes: number): Promise<CatalogReadResult> {
  try {
    return await readEntryList(await readText(file, maxBytes), file, file, path.dirname(file), maxBytes);
  } catch (error) {
    return { entries: [], errors: [errorLine(file, error)] };
  }
}

/** The entries of a list document (a file's or a URL's text). */
export async function readEntryList(
  text: string,
  label: string,
  origin: string,
  readmeDir: string | undefined,
  maxBytes: number,
): Promise<CatalogReadResult> {
  const result: CatalogReadResult = { entries: [], errors: [] };
  const yaml = parseCatalogYaml(text, label);
  if (yaml.documents.length === 0) return result; // an empty file is an empty catalog
  if (yaml.documents.length > 1) throw new CatalogFileError(`${label}:1: a catalog file holds one YAML document: a list of entries`);
  const doc = yaml.documents[0];
  const root = doc.contents;
  if (root === null || (root as any).value === null) return result;
  if (!isSeq(root)) throw yaml.error(root as Node, '', 'a catalog file must be a list of entries (- id: …)');
  let items = root.items as Node[];
  if (items.length > MAX_ENTRIES_PER_SOURCE) {
    result.errors.push(`${label}: more than ${MAX_ENTRIES_PER_SOURCE} entries; only the first ${MAX_ENTRIES_PER_SOURCE} are read`);
    items = items.slice(0, MAX_ENTRIES_PER_SOURCE);
  }
  for (const item of items) {
    try {
      result.entries.push(await readIndexEntry(item, { yaml, doc, origin, readmeDir, maxReadmeBytes: maxBytes }));
    } catch (error) {
      result.errors.push(errorLine(label, error));
    }
  }
  return result;
}
