import crypto from 'node:crypto';
import path from 'node:path';
import type { ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import { isExactVersion, isOnThisMachine, type SpecFor } from '../spec/classify';
import { checkPinAgainstPublished, verifyArtifact } from '../verify/artifact';
import { redact } from './npmrc';
import type { FetchRequest, FetchResult, InstallSettings, PluginSource, SourcePlugin } from './types';

type NpmSpec = SpecFor<'npm'>;

/**
 * pacote takes ~0.2 s to load; an unchanged re-run of pinned packages never
 * needs it, so it is loaded on first use.
 */
const loadPacote = () => import('pacote').then(m => (m as any).default ?? m) as Promise<typeof import('pacote')>;

/**
 * Packages from npm registries (and tarball URLs, local tarballs, git),
 * resolved and fetched with npm's own libraries. Lifecycle scripts never run:
 * the tarball is only extracted. Integrity is required unless skipped (or the
 * tarball is on this machine); a pin that disagrees with the registry fails
 * before the download, and the downloaded bytes are checked before
 * extraction: by pacote, and again by `verifyArtifact` whatever pacote does.
 */
export const npmSource: PluginSource<'npm'> = {
  kind: 'npm',

  checksOffline({ plugin, spec }) {
    return !plugin.forceDownload && plugin.pullPolicy !== 'Always' && isExactVersion(spec) && !!plugin.integrity;
  },

  async fingerprint(target, settings) {
    const { plugin } = target;
    if (plugin.forceDownload) return undefined;
    if (this.checksOffline(target)) {
      return `npm:${plugin.package}:${plugin.integrity}`;
    }
    // A range, a dist-tag or Always: ask the registry which version that is
    // now (metadata only, no tarball).
    const manifest = await resolveManifest(target, settings);
    return `npm:${manifest.name}@${manifest.version}:${manifest._integrity}`;
  },

  async fetch({ plugin, spec, stagingDir, settings }: FetchRequest<'npm'>): Promise<FetchResult> {
    const pin = requireIntegrity(plugin, spec, settings);
    const manifest = await resolveManifest({ plugin, spec }, settings);
    if (pin) {
      await reported(plugin, settings, async () => checkPinAgainstPublished(pin, manifest._integrity, plugin.package));
    }
    const tarball = path.join(await settings.downloads(), `${crypto.randomUUID()}.tgz`);
    const expected = pin ?? manifest._integrity;
    const pacote = await loadPacote();
    const options = await pacoteOptions(settings);
    await npmCall(plugin, settings, () =>
      pacote.tarball.file(manifest._resolved, tarball, {
        ...options,
        // pacote verifies the bytes against this before the file is kept.
        integrity: expected,
      }),
    );
    await reported(plugin, settings, () =>
      verifyArtifact({ kind: 'npm-tarball', file: tarball, integrity: expected, required: !!pin, subject: 'the downloaded tarball' }),
    );
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

function requireIntegrity(plugin: ResolvedPlugin, spec: NpmSpec, settings: InstallSettings): string | undefined {
  // A tarball on this machine is as trusted as a local folder; remote ones need integrity.
  if (plugin.integrity || settings.skipIntegrity || plugin.preInstalled || isOnThisMachine(spec)) return plugin.integrity;
  throw new InstallError(
    `${plugin.package}: no 'integrity' given; remote packages need one (e.g. from 'npm view ${plugin.package} dist.integrity'), or run with --skip-integrity`,
    'INTEGRITY_MISSING',
  );
}

/**
 * Runs a check; its failure keeps its code (e.g. `INTEGRITY_MISMATCH`) and
 * starts with the package spec, with no token in it.
 */
async function reported<T>(plugin: ResolvedPlugin, settings: InstallSettings, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (!(error instanceof InstallError)) throw error;
    const message = error.message.startsWith(`${plugin.package}: `) ? error.message : `${plugin.package}: ${error.message}`;
    throw new InstallError(redact(message, settings.npm.secrets), error.code);
  }
}

async function resolveManifest({ plugin, spec }: SourcePlugin<'npm'>, settings: InstallSettings) {
  const pacote = await loadPacote();
  const options = await pacoteOptions(settings);
  return npmCall(plugin, settings, () =>
    pacote.manifest(spec.spec, { ...options, fullMetadata: false }),
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
