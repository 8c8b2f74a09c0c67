import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installInChild } from '../testing/installInChild';
import { InstallError } from './errors';
import { installPlugins, type InstallOptions } from './install';

/*
 * The whole installer (not only the config layer: config/fuzz.test.ts) on
 * hostile dynamic-plugins.yaml files, by class. Every input must end in an
 * outcome or one clear InstallError line, within a time limit, with
 * Object.prototype untouched and nothing written next to the plugins root.
 * Registries are a closed loopback port, so nothing leaves the machine.
 *
 * Memory: RSS must stay within 512 MiB on any input. The classes that
 * stress it (huge documents and scalars) run each input in a child process
 * and read its peak RSS; the others run in-process, where the worker's peak
 * RSS may not grow by more than that over the whole file.
 */

/** mulberry32: small, seeded, reproducible. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Input = string | Buffer | { fifo: true };

const ODD_SPECS = [
  'github:acme/plugin', 'git+https://127.0.0.1:9/x.git', 'acme/plugin', 'file:../../../etc', '../../outside', '/etc/passwd',
  '@acme/../../x@1.0.0', 'a@npm:@b/c@1', '@a/b@>=1 <2', 'x@latest', 'oci://127.0.0.1:9/r:1!../../x', 'oci://127.0.0.1:9/r@sha256:zz!p',
  'oci://user:secret@127.0.0.1:9/r:1!p', 'https://127.0.0.1:9/x.tgz', 'ftp://x/y.tgz', '\u202eevil', 'a'.repeat(5000), '',
];

/** One input per seed, for each class the hardening issue names. */
const CLASSES: Record<string, (rand: () => number) => Input> = {
  'wrong types': rand => {
    const values = ['1', 'true', 'null', '[]', '{}', '"x"', '-1.5', '[[[]]]'];
    const v = () => values[Math.floor(rand() * values.length)];
    return `plugins:\n  - package: ${v()}\n    disabled: ${v()}\n    pluginConfig: ${v()}\n    integrity: ${v()}\nincludes: ${v()}\n`;
  },
  'odd specs': rand => {
    const spec = ODD_SPECS[Math.floor(rand() * ODD_SPECS.length)];
    return `plugins:\n  - package: ${JSON.stringify(spec)}\n    integrity: sha512-${'A'.repeat(86)}==\n`;
  },
  'huge documents': rand => {
    const keys = 50_000 + Math.floor(rand() * 350_000);
    return `plugins:\n  - package: ./p\n    pluginConfig:\n${Array.from({ length: keys }, (_, i) => `      k${i}: ${i}`).join('\n')}\n`;
  },
  'huge scalars': rand => `plugins:\n  - package: ./p\n    pluginConfig:\n      big: "${'x'.repeat(5_000_000 + Math.floor(rand() * 1_000_000))}"\n`,
  'special files': () => ({ fifo: true }),
  'alias bombs': rand => {
    const width = 5 + Math.floor(rand() * 5);
    let text = 'a0: &a0 [x, x, x, x, x]\n';
    for (let i = 1; i < 12; i++) text += `a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]\n`;
    return `${text}plugins:\n  - package: ./p\n    pluginConfig: { bomb: *a11 }\n`;
  },
  'deep nesting': rand => {
    const depth = 100 + Math.floor(rand() * 5000);
    return rand() < 0.5
      ? `plugins:\n  - package: ./p\n    pluginConfig: ${'['.repeat(depth)}${']'.repeat(depth)}\n`
      : `plugins:\n  - package: ./p\n    pluginConfig: ${'{a: '.repeat(depth)}1${'}'.repeat(depth)}\n`;
  },
  'bad UTF-8': rand => {
    const bytes = Buffer.from('plugins:\n  - package: ./p\n    pluginConfig: { a: "');
    const junk = Buffer.from(Array.from({ length: 64 }, () => 0x80 + Math.floor(rand() * 0x7f)));
    return Buffer.concat([bytes, junk, Buffer.from('" }\n')]);
  },
  'proto keys': rand => {
    const key = ['__proto__', 'constructor', 'prototype'][Math.floor(rand() * 3)];
    const where = [
      `plugins:\n  - package: ./p\n    pluginConfig: { ${key}: { polluted: yes } }\n`,
      `plugins:\n  - package: ./p\n    pluginConfig: { a: { b: { ${key}: { polluted: yes } } } }\n`,
      `${key}: { polluted: yes }\nplugins: []\n`,
      `plugins:\n  - package: ./p\n    ${key}: { polluted: yes }\n`,
    ];
    return where[Math.floor(rand() * where.length)];
  },
};

const PER_CLASS = 20;
const PER_INPUT_MS = 10_000;
const MAX_RSS_BYTES = 512 * 1024 ** 2;
const IN_CHILD = new Set(['huge documents', 'huge scalars']);
/**
 * A child's bound includes starting a Node process and reading a 50 MB input:
 * seconds on a loaded 2-core machine running the suite's other workers. Still
 * a bound: an installer that hangs is caught, just later.
 */
const CHILD_INPUT_MS = 30_000;

type Outcome = { result: Awaited<ReturnType<typeof installPlugins>> } | { error: unknown } | { hung: true };

/** One install of `options`, in this process or (for IN_CHILD classes) a child; `rss` is the child's peak. */
async function run(name: string, options: InstallOptions): Promise<{ outcome: Outcome; rss?: number }> {
  if (IN_CHILD.has(name)) {
    const child = await installInChild(options, CHILD_INPUT_MS).catch(() => undefined);
    if (!child) return { outcome: { hung: true } };
    const { result, error, maxRssBytes } = child;
    // Rebuilt as an InstallError so both ways are checked alike.
    const outcome = error
      ? { error: error.name === 'InstallError' ? new InstallError(error.message, error.code!) : new Error(`${error.name}: ${error.message}`) }
      : { result: result as Awaited<ReturnType<typeof installPlugins>> };
    return { outcome, rss: maxRssBytes };
  }
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race<Outcome>([
    installPlugins(options).then(
      result => ({ result }),
      error => ({ error }),
    ),
    new Promise<Outcome>(resolve => {
      timer = setTimeout(() => resolve({ hung: true }), PER_INPUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  return { outcome };
}

/** This process's peak RSS so far, in bytes. */
const peakRss = () => process.resourceUsage().maxRSS * 1024;

describe('the installer on hostile dynamic-plugins.yaml files', () => {
  const counts: Record<string, { ok: number; refused: number; maxChildRssMiB?: number }> = {};

  afterAll(() => {
    // The counts for the record (one line, in the test output).
    process.stdout.write(`fuzz classes: ${JSON.stringify(counts)}\n`);
  });

  it.each(Object.keys(CLASSES))('%s: ends in an outcome or one clear error, in time, writing nothing outside the root', async name => {
    counts[name] = { ok: 0, refused: 0 };
    for (let seed = 1; seed <= PER_CLASS; seed++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-fuzz-classes-'));
      try {
        const configFile = path.join(dir, 'dynamic-plugins.yaml');
        const input = CLASSES[name](random(seed * 7919));
        if (typeof input === 'object' && 'fifo' in input) execFileSync('mkfifo', [configFile]);
        else fs.writeFileSync(configFile, input);
        fs.mkdirSync(path.join(dir, 'p'));
        fs.writeFileSync(path.join(dir, 'p', 'package.json'), '{"name":"p","version":"1.0.0"}');
        const before = fs.readdirSync(dir).sort();
        // The high-water mark just before this input: what the harness itself did earlier (jest,
        // earlier files, generating the huge classes' inputs here) is not charged to this input.
        const peakBefore = peakRss();

        const { outcome, rss } = await run(name, {
          configFile,
          root: path.join(dir, 'root'),
          env: { NPM_CONFIG_USERCONFIG: path.join(dir, 'no-npmrc'), npm_config_registry: 'http://127.0.0.1:9/' },
          network: { timeoutMs: 2_000, retries: 0, minBackoffMs: 0 },
        });

        const where = `${name}, seed ${seed}`;
        expect({ where, hung: (outcome as { hung?: boolean }).hung ?? false }).toEqual({ where, hung: false });
        if ('error' in (outcome as object)) {
          const error = (outcome as { error: unknown }).error;
          if (!(error instanceof InstallError)) throw new Error(`${where}: not an InstallError: ${(error as Error)?.stack ?? error}`);
          expect(error.message).not.toContain('\n');
          expect(error.message).not.toMatch(/secret/);
          counts[name].refused++;
        } else {
          const { result } = outcome as { result: Awaited<ReturnType<typeof installPlugins>> };
          for (const plugin of result.plugins) {
            if (plugin.error) expect(plugin.error.message).not.toContain('\n');
          }
          counts[name][result.ok ? 'ok' : 'refused']++;
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        // Only the plugins root may have appeared next to the config.
        const after = fs.readdirSync(dir).sort().filter(entry => !before.includes(entry));
        expect(after.filter(entry => entry !== 'root' && !entry.startsWith('.root') && !entry.startsWith('root.'))).toEqual([]);
        if (rss !== undefined) {
          expect({ where, rssWithinLimit: rss <= MAX_RSS_BYTES }).toEqual({ where, rssWithinLimit: true });
          counts[name].maxChildRssMiB = Math.max(counts[name].maxChildRssMiB ?? 0, Math.round(rss / 1024 ** 2));
        } else {
          const growth = peakRss() - peakBefore;
          expect({ where, rssGrowthWithinLimit: growth <= MAX_RSS_BYTES }).toEqual({ where, rssGrowthWithinLimit: true });
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
    // Jest's own limit is for the whole class; PER_INPUT_MS above is the one that matters.
  }, 20 * PER_INPUT_MS);
});
