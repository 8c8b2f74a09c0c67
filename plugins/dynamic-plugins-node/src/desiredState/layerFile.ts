import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { layerDocument } from './layer';
import type { KeyedLayerEntry } from './store';

/**
 * Where a generation's layer is written for the installer: inside the
 * plugins root (the one place the container can always write), in a dot
 * folder the installer never touches. The name carries the generation, so
 * an apply and the next start install from the same path and the start is a
 * no-op.
 */
export const LAYER_FOLDER = '.devportal-marketplace';

export function layerFilePath(root: string, generation: number): string {
  return path.join(root, LAYER_FOLDER, `layer-${generation}.yaml`);
}

/** The generation a layer file written by `writeLayerFile` holds; undefined for any other file. */
export function layerFileGeneration(file: string): number | undefined {
  if (path.basename(path.dirname(file)) !== LAYER_FOLDER) return undefined;
  const match = /^layer-(\d+)\.yaml$/.exec(path.basename(file));
  return match ? Number(match[1]) : undefined;
}

/** Writes a generation's layer as a dynamic-plugins.yaml `plugins:` list; returns its path. */
export async function writeLayerFile(root: string, generation: { id: number; layer: KeyedLayerEntry[] }): Promise<string> {
  const file = layerFilePath(root, generation.id);
  const text = `# Generation ${generation.id} of the marketplace layer, written from the database; do not edit.\n${YAML.stringify(layerDocument(generation.layer))}`;
  const temp = `${file}.${process.pid}.tmp`;
  // Synchronous on purpose: a few kilobytes take microseconds, while each
  // asynchronous step waits its turn on a backend busy serving, and this
  // is on the apply's path to the installer (five steps were 250 ms under load).
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
  return file;
}
