/**
 * Builds the four variants the bench compares, in the work folder: installs
 * the 10 plugins with the real installer (dynamic), copies them out for the
 * generated static entries (static, baseline), and an empty root
 * (dynamic-empty). Same config for all of them.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import { stringify } from 'yaml';
import { builtComposition, checkSameResolution, writeProbe, writeStaticEntry } from './entries.ts';
import type { Variant } from './measure.ts';
import { backendDir, cli, repoRoot } from './paths.ts';
import { GENERATED_COUNT, generatePlugin, pluginConfigFor, SHIPPED } from './plugins.ts';
import type { Expectations } from './verify.ts';

export interface Prepared {
  variants: Variant[];
  expect: Expectations;
  /** The module-loading probe, to run with `runProbe`. */
  probeFile: string;
  /** The installed plugins, as the installer's state file lists them. */
  installed: Array<{ folder: string; name: string }>;
}

export function prepareVariants(work: string, progress: (msg: string) => void): Prepared {
  // The 10 plugins: 6 shipped exported packages + 4 generated.
  const generated = Array.from({ length: GENERATED_COUNT }, (_, i) => generatePlugin(path.join(work, 'sources', `bench-backend-plugin-${i + 1}`), i + 1));
  const sources = [...SHIPPED.map(s => path.join(repoRoot, s)), ...generated.map(g => g.dir)];

  // (b) dynamic: install the 10 with the real installer.
  const dynamicRoot = path.join(work, 'dynamic-plugins-root');
  const emptyRoot = path.join(work, 'empty-dynamic-plugins-root');
  const dynamicYaml = path.join(work, 'dynamic-plugins.yaml');
  const entries = sources.map(dir => {
    const pluginConfig = pluginConfigFor(dir, generated);
    return { package: dir, ...(pluginConfig ? { pluginConfig } : {}) };
  });
  fs.writeFileSync(dynamicYaml, stringify({ plugins: entries }));
  const emptyYaml = path.join(work, 'dynamic-plugins.empty.yaml');
  fs.writeFileSync(emptyYaml, 'plugins: []\n');
  progress(`installing ${sources.length} plugins into ${path.relative(repoRoot, dynamicRoot)}`);
  for (const [config, root] of [[dynamicYaml, dynamicRoot], [emptyYaml, emptyRoot]]) {
    execFileSync(process.execPath, [cli, 'plugins', 'install', '--config', config, '--root', root], { cwd: work, stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const state = JSON.parse(fs.readFileSync(path.join(dynamicRoot, INSTALLER_STATE_FILE), 'utf8'));
  const installed: Array<{ folder: string; name: string }> = Object.values(state.plugins);
  if (installed.length !== sources.length) throw new Error(`installer installed ${installed.length} of ${sources.length} plugins`);

  // (a) static: the installed folders, copied out of the root (the same files),
  // added by a generated entry. Under /work/main, so their requires reach the
  // host's node_modules like the built backend's do.
  const staticPlugins = installed.map(p => {
    const folder = path.join(work, 'static-plugins', p.folder);
    fs.cpSync(path.join(dynamicRoot, p.folder), folder, { recursive: true });
    return { name: p.name, folder };
  });
  const core = builtComposition();
  const staticEntry = path.join(work, 'entries/static.cjs');
  const baselineEntry = path.join(work, 'entries/baseline.cjs');
  fs.mkdirSync(path.dirname(staticEntry), { recursive: true });
  writeStaticEntry(staticEntry, core, staticPlugins);
  writeStaticEntry(baselineEntry, core, []);
  checkSameResolution(staticEntry, core);
  const probeFile = path.join(work, 'entries/probe.cjs');
  writeProbe(probeFile, core, staticPlugins);

  // Same config everywhere: the root's app-config carries the plugins' config
  // (proxy endpoint, portal-info links, ...). The static entries have no loader,
  // so its dynamicPlugins.rootDirectory is unused there.
  const rootConfig = path.join(dynamicRoot, 'app-config.dynamic-plugins.yaml');
  const variants: Variant[] = [
    { key: 'static', label: 'static', entry: staticEntry, configFiles: [rootConfig] },
    { key: 'dynamic', label: 'dynamic', entry: backendDir, configFiles: [rootConfig] },
    { key: 'baseline', label: 'baseline (no extra plugins)', entry: baselineEntry, configFiles: [rootConfig] },
    {
      key: 'dynamicEmpty',
      label: 'dynamic, empty root',
      entry: backendDir,
      configFiles: [rootConfig, path.join(emptyRoot, 'app-config.dynamic-plugins.yaml')],
    },
  ];
  const expect: Expectations = { generated, packageNames: installed.map(p => p.name) };

  return { variants, expect, probeFile, installed };
}
