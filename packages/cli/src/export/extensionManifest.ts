import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { EXTENSION_MANIFEST } from '@devportal/plugin-dynamic-plugins-common';
import { probeExtensions, type ProbeInput } from './extensionProbe';

const PROBE_TIMEOUT_MS = 60_000;

export type ManifestOutcome =
  | { written: true; extensions: number }
  /** A legacy plugin that exports API factories: their ids, so the app can register them without its code. */
  | { written: true; legacy: true; apiFactories: number }
  | { written: false; reason: string }
  /** No FrontendPlugin or FrontendModule default export: a legacy plugin, wired by config and loaded on render anyway. */
  | { written: false; legacy: true };

/**
 * Writes the extension manifest of a new-frontend-system plugin: what the app
 * needs to add the plugin's extensions to its tree without fetching the
 * plugin's code (see extensionProbe.ts for what it holds). The app then
 * fetches the remote only when one of those extensions renders.
 *
 * The plugin's definitions module is bundled for Node with esbuild (styles
 * and images stubbed) and evaluated in a worker thread with a time limit; a
 * module that cannot run outside a browser, or a plugin whose outputs are not
 * plain data, gets no manifest and is loaded at boot, as before. Legacy
 * plugins (no FrontendPlugin default export) get none either: they are wired
 * by config.
 */
export async function writeExtensionManifest(options: {
  buildDir: string;
  exposes: string[];
  outDir: string;
}): Promise<ManifestOutcome> {
  const { buildDir, exposes, outDir } = options;
  // The package that was built: for a published package, its wrapper.
  const pkg = JSON.parse(await fs.readFile(path.join(buildDir, 'package.json'), 'utf8'));
  const module = exposes.find(e => /^(\.\/)?alpha$/.test(e)) ?? exposes.find(e => e === '.' || e === './') ?? exposes[0];
  const source = sourceOf(pkg, module);
  if (!source) return { written: false, reason: `no source file found for its exposed module ${module}` };

  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'devportal-extensions-'));
  const write = (manifest: Record<string, unknown>) => fs.writeFile(path.join(outDir, EXTENSION_MANIFEST), `${JSON.stringify(manifest)}\n`);
  try {
    // First the default export alone: a package's other exports (its legacy
    // components) often touch `window` when imported.
    const featureBundle = await bundleForNode(buildDir, `export { default } from ${JSON.stringify(`./${source}`)};`, path.join(work, 'feature.cjs'));
    if ('problem' in featureBundle) return { written: false, reason: featureBundle.problem };
    const described = await runProbe({ bundle: featureBundle.file, module, mode: 'feature' });
    if (!described.notAPlugin && !described.threw) {
      if (described.unsupported) return { written: false, reason: String(described.unsupported) };
      await write(described);
      return { written: true, extensions: (described.extensions as unknown[]).length };
    }
    // A legacy plugin (or one that would not load in Node): its API
    // factories, by export name, from all its exports, loaded with a
    // stand-in `window`.
    const legacyBundle = await bundleForNode(buildDir, `export * from ${JSON.stringify(`./${source}`)};`, path.join(work, 'legacy.cjs'));
    const legacy = 'problem' in legacyBundle ? undefined : await runProbe({ bundle: legacyBundle.file, module, mode: 'legacy' });
    if (described.threw && !legacy?.feature) return { written: false, reason: String(described.unsupported) };
    if (legacy?.feature !== 'legacy') return { written: false, legacy: true };
    await write(legacy);
    return { written: true, legacy: true, apiFactories: Object.keys(legacy.apiFactories as object).length };
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
}

/** Bundles `entry` (resolved from `buildDir`) and React's renderer into one CommonJS file Node can load. */
async function bundleForNode(buildDir: string, entry: string, file: string): Promise<{ file: string } | { problem: string }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild: typeof import('esbuild') = require('esbuild');
  try {
    await esbuild.build({
      stdin: {
        contents: [
          entry,
          `export { renderToStaticMarkup as __devportalRenderToStaticMarkup } from 'react-dom/server';`,
          `export { createElement as __devportalCreateElement } from 'react';`,
        ].join('\n'),
        resolveDir: buildDir,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      jsx: 'automatic',
      outfile: file,
      logLevel: 'silent',
      define: { 'process.env.NODE_ENV': '"production"' },
      loader: { '.css': 'empty', '.svg': 'dataurl', '.png': 'dataurl', '.jpg': 'dataurl', '.gif': 'dataurl', '.woff': 'empty', '.woff2': 'empty' },
    });
    return { file };
  } catch (error) {
    const first = (error as { errors?: { text: string }[] }).errors?.[0]?.text ?? (error as Error).message;
    return { problem: `its definitions could not be bundled for Node: ${first.split('\n')[0]}` };
  }
}

/** The source file behind an exposed module, from the package's `exports` (or `main` for `.`). */
function sourceOf(pkg: Record<string, any>, module: string): string | undefined {
  const key = module === '.' || module === './' ? '.' : `./${module.replace(/^\.\//, '')}`;
  let target = typeof pkg.exports === 'object' ? pkg.exports[key] : undefined;
  if (target && typeof target === 'object') target = target.import ?? target.default;
  if (!target && key === '.') target = pkg.main;
  return typeof target === 'string' ? target.replace(/^\.\//, '') : undefined;
}

/**
 * The probe runs in a worker: the plugin's module code runs in isolation
 * from the CLI's globals, and a module that hangs is stopped.
 */
function runProbe(input: ProbeInput): Promise<Record<string, unknown>> {
  return new Promise(resolve => {
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       // Legacy plugins' modules expect a browser; their exports are only read.
       if (workerData.mode === 'legacy') globalThis.window ??= globalThis;
       parentPort.postMessage((${probeExtensions.toString()})(workerData));`,
      { eval: true, workerData: input, stdout: true, stderr: true },
    );
    const timer = setTimeout(() => {
      worker.terminate();
      resolve({ unsupported: `evaluating its definitions took longer than ${PROBE_TIMEOUT_MS / 1000} s` });
    }, PROBE_TIMEOUT_MS);
    worker.once('message', message => {
      clearTimeout(timer);
      worker.terminate();
      resolve(message);
    });
    worker.once('error', error => {
      clearTimeout(timer);
      resolve({ threw: true, unsupported: `its definitions threw when evaluated in Node: ${String(error.message).split('\n')[0]}` });
    });
  });
}
