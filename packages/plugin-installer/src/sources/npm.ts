import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { isLocalPath, type ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import { verifyFileIntegrity } from '../verify/integrity';
import { redact } from './npmrc';
import type { FetchRequest, FetchResult, InstallSettings, PluginSource } from './types';

/**
 * pacote takes ~0.2 s to load; an unchanged re-run of pinned packages never
 * needs it, so it is loaded on first use.
 */
const loadPacote = () => import('pacote').then(m => (m as any).default ?? m) as Promise<typeof import('pacote')>;

/** An exact version: the only npm spec whose content cannot change. */
const EXACT_VERSION = /@\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * Packages from npm registries (and tarball URLs), resolved and fetched with
 * npm's own libraries. Lifecycle scripts never run: the tarball is only
 * extracted. Integrity is required unless skipped, and the downloaded bytes
 * are checked against it before extraction: by pacote, and again by our own
 * `verifyFileIntegrity` whatever pacote does.
 */
export const npmSource: PluginSource = {
  kind: 'npm',

  checksOffline(plugin) {
    return !plugin.forceDownload && plugin.pullPolicy !== 'Always' && EXACT_VERSION.test(plugin.package) && !!plugin.integrity;
  },

  async fingerprint(plugin, settings) {
    if (plugin.forceDownload) return undefined;
    if (this.checksOffline(plugin)) {
      return `npm:${plugin.package}:${plugin.integrity}`;
    }
    // A range, a dist-tag or Always: ask the registry which version that is
    // now (metadata only, no tarball).
    const manifest = await resolveManifest(plugin, settings);
    return `npm:${manifest.name}@${manifest.version}:${manifest._integrity}`;
  },

  async fetch({ plugin, stagingDir, settings }: FetchRequest): Promise<FetchResult> {
    const integrity = requireIntegrity(plugin, settings);
    const manifest = await resolveManifest(plugin, settings);
    if (integrity && manifest._integrity && !sameIntegrity(integrity, manifest._integrity)) {
      throw new InstallError(
        `${plugin.package}: the registry publishes integrity ${manifest._integrity}, dynamic-plugins.yaml expects ${integrity}`,
        'INTEGRITY_MISMATCH',
      );
    }
    const tarball = path.join(await settings.downloads(), `${crypto.randomUUID()}.tgz`);
    const expected = integrity ?? manifest._integrity;
    const pacote = await loadPacote();
    const options = await pacoteOptions(settings);
    await npmCall(plugin, settings, () =>
      pacote.tarball.file(manifest._resolved, tarball, {
        ...options,
        // pacote verifies the bytes against this before the file is kept.
        integrity: expected,
      }),
    );
    if (expected) await verifyTarball(plugin, settings, tarball, expected);
    const folder = `${manifest.name.replace(/^@/, '').replace('/', '-')}-${manifest.version}`;
    const dir = path.join(stagingDir, folder);
    const { extractTarball } = await import('../extract');
    await extractTarball(tarball, dir, {
      prefix: 'first-component',
      maxEntryBytes: settings.maxEntryBytes,
      maxTotalBytes: settings.maxArchiveBytes,
    });
    return {
      dir,
      record: {
        folder,
        name: manifest.name,
        version: manifest.version,
        source: 'npm',
        integrity: expected,
      },
    };
  },
};

function requireIntegrity(plugin: ResolvedPlugin, settings: InstallSettings): string | undefined {
  // A tarball on this machine is as trusted as a local folder; remote ones need integrity.
  const local = isLocalPath(plugin.package);
  if (plugin.integrity || settings.skipIntegrity || plugin.preInstalled || local) return plugin.integrity;
  throw new InstallError(
    `${plugin.package}: no 'integrity' given; remote packages need one (e.g. from 'npm view ${plugin.package} dist.integrity'), or run with --skip-integrity`,
    'INTEGRITY_MISSING',
  );
}

/**
 * Our own check of the downloaded bytes before extraction, so that it does
 * not depend on what pacote checks. Errors keep their code (e.g.
 * `INTEGRITY_MISMATCH`) and start with the package spec; a tarball that fails
 * is deleted.
 */
async function verifyTarball(plugin: ResolvedPlugin, settings: InstallSettings, tarball: string, sri: string) {
  try {
    await verifyFileIntegrity(tarball, sri, { subject: 'the downloaded tarball' });
  } catch (error) {
    await fs.rm(tarball, { force: true }).catch(() => undefined);
    if (!(error instanceof InstallError)) throw error;
    throw new InstallError(redact(`${plugin.package}: ${error.message}`, settings.npm.secrets), error.code);
  }
}

/** Two SRI strings match when they share one algorithm-and-hash pair. */
function sameIntegrity(a: string, b: string): boolean {
  const hashes = new Set(b.split(/\s+/));
  return a.split(/\s+/).some(hash => hashes.has(hash));
}

async function resolveManifest(plugin: ResolvedPlugin, settings: InstallSettings) {
  const pacote = await loadPacote();
  const options = await pacoteOptions(settings);
  return npmCall(plugin, settings, () =>
    pacote.manifest(plugin.package, { ...options, fullMetadata: false }),
  );
}

async function pacoteOptions(settings: InstallSettings) {
  return {
    ...settings.npm.options,
    where: settings.configDir,
    ignoreScripts: true,
    // Never consult or fill npm's shared cache: what we verify is what we got.
    cache: path.join(await settings.downloads(), '.npm-cache'),
    preferOnline: true,
    timeout: settings.network.timeoutMs,
    retry: {
      retries: settings.network.retries,
      factor: 2,
      minTimeout: settings.network.minBackoffMs,
      maxTimeout: settings.network.minBackoffMs * 8,
    },
  };
}

/** Runs a pacote call and turns its failures into one clear, token-free line. */
async function npmCall<T>(plugin: ResolvedPlugin, settings: InstallSettings, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw npmError(plugin, error as NodeJS.ErrnoException & { statusCode?: number; uri?: string }, settings.npm.secrets);
  }
}

function npmError(
  plugin: ResolvedPlugin,
  error: NodeJS.ErrnoException & { statusCode?: number; uri?: string; found?: string; wanted?: string },
  secrets: string[],
): InstallError {
  const say = (message: string, code: string) => new InstallError(redact(`${plugin.package}: ${message}`, secrets), code);
  if (error instanceof InstallError) return error;
  switch (error.code) {
    case 'EINTEGRITY':
      return say(`downloaded tarball does not match its integrity (${error.message.split('\n')[0]})`, 'INTEGRITY_MISMATCH');
    case 'E401':
    case 'E403':
      return say(
        `the registry refused access (${error.statusCode}); check the token for this registry in .npmrc (_authToken or _auth)`,
        'REGISTRY_AUTH_FAILED',
      );
    case 'E404':
      return say('not found in the registry', 'PACKAGE_NOT_FOUND');
    case 'ETARGET':
      return say('no version matches this spec', 'PACKAGE_NOT_FOUND');
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
    case 'EAI_AGAIN':
    case 'ERR_SOCKET_TIMEOUT':
      return say(`registry unreachable (${error.code}${error.uri ? ` at ${new URL(error.uri).origin}` : ''})`, 'REGISTRY_UNREACHABLE');
    default:
      if (error.statusCode && error.statusCode >= 500) {
        return say(`the registry failed with ${error.statusCode} after retries`, 'REGISTRY_UNREACHABLE');
      }
      return say(error.message.split('\n')[0], error.code ?? 'NPM_FETCH_FAILED');
  }
}
