import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { InstallError } from '../errors';
import { resolvePluginConfig } from './layers';
import { mergePluginConfigs } from './merge';

/**
 * Property: whatever dynamic-plugins.yaml it is given, the config layer either
 * returns plugins or throws an InstallError with a one-line message naming the
 * file. It never crashes with another exception. Inputs come from a seeded
 * generator (reproducible) mixing valid entries, wrong types, odd keys,
 * broken YAML and includes.
 */

/** mulberry32: small, seeded, good enough to explore inputs. */
function random(seed: number) {
  let a = seed;
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function generator(rand: () => number) {
  const pick = <T>(items: T[]): T => items[Math.floor(rand() * items.length)];
  const scalar = (): unknown =>
    pick([true, false, null, 0, -1, 3.5, '', 'x', 'IfNotPresent', 'Always', 'sha512-abc', '{{inherit}}', '../..', '@a/b@1.0.0', [], {}]);
  const packages = ['@acme/a@1.0.0', '@acme/a@2.0.0', 'b', 'alias@npm:c@1', './local/p', 'oci://127.0.0.1:5000/r:1!p', 'oci://127.0.0.1:5000/r:{{inherit}}!p', 'https://x/y.tgz', ''];
  const value = (depth: number): unknown => {
    if (depth <= 0 || rand() < 0.5) return scalar();
    if (rand() < 0.3) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth - 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rand() * 3) }, () => [pick(['a', 'b', 'c', 'dynamicPlugins']), value(depth - 1)]));
  };
  const entry = (): unknown => {
    if (rand() < 0.05) return scalar();
    const e: Record<string, unknown> = {};
    if (rand() < 0.95) e.package = rand() < 0.9 ? pick(packages) : scalar();
    for (const key of ['integrity', 'disabled', 'enabled', 'pullPolicy', 'forceDownload', 'preInstalled', 'pluginConfig', 'typo']) {
      if (rand() < 0.3) e[key] = key === 'pluginConfig' && rand() < 0.7 ? value(3) : scalar();
    }
    return e;
  };
  const document = (): string => {
    const doc: Record<string, unknown> = {};
    if (rand() < 0.9) doc.plugins = rand() < 0.9 ? Array.from({ length: Math.floor(rand() * 5) }, entry) : scalar();
    if (rand() < 0.3) doc.includes = rand() < 0.8 ? ['inc.yaml'] : scalar();
    if (rand() < 0.1) doc.other = value(2);
    let text = YAML.stringify(doc);
    if (rand() < 0.15) {
      // Break the YAML: cut it, or add a tab indentation, an unclosed bracket or a duplicate key.
      text = pick([
        text.slice(0, Math.floor(rand() * text.length)),
        `${text}\n\t- bad`,
        `${text}\nplugins: [`,
        `${text}\nplugins: []\n`,
      ]);
    }
    return text;
  };
  return document;
}

describe('dynamic-plugins.yaml fuzzing', () => {
  it('never throws anything but a clear InstallError over 400 generated files', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-fuzz-'));
    const top = path.join(dir, 'dynamic-plugins.yaml');
    let failures = 0;
    let successes = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const next = generator(random(seed));
      fs.writeFileSync(top, next());
      fs.writeFileSync(path.join(dir, 'inc.yaml'), next());
      try {
        const resolved = await resolvePluginConfig(top);
        mergePluginConfigs(resolved.plugins);
        successes++;
      } catch (error) {
        if (!(error instanceof InstallError)) {
          throw new Error(`seed ${seed}: unexpected ${(error as Error).stack}\n--- input ---\n${fs.readFileSync(top, 'utf8')}`);
        }
        expect(error.message).not.toContain('\n');
        expect(error.message).toMatch(/dynamic-plugins\.yaml|inc\.yaml|Config key|Duplicate plugin/);
        failures++;
      }
    }
    // The generator must exercise both outcomes, or it tests nothing.
    expect(successes).toBeGreaterThan(20);
    expect(failures).toBeGreaterThan(20);
  });
});
