import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import semver from 'semver';
import type { ResolvedPlugin } from '../config/layers';
import { InstallError } from '../errors';
import { requireSafePluginDir } from '../pluginDir';
import { isExactVersion, isOnThisMachine, type SpecFor } from '../spec/classify';
import { checkPinAgainstPublished, verifyArtifact } from '../verify/artifact';
import { quote } from '../verify/hash';
import { computeIntegrity } from '../verify/integrity';
import { redact } from './npmrc';
import type { FetchRequest, FetchResult, InstallSettings, PluginSource, SourcePlugin } from './types';

type NpmSpec = SpecFor<'npm'>;

/**
 * pacote takes ~0.2 s to load; an unchanged re-run of pinned packages never
 * needs it, so it is loaded on first use.
 */
const loadPacote = () => import('pacote').then(m => (m as any).default ?? m) as Promise<typeof import('pacote')>;

/**
 * Packages from npm registries (and tarball URLs, local tarballs; git specs
 * are refused), resolved and downloaded with npm's own libraries. Lifecycle
 * scripts never run: the tarball is only extracted. Integrity is required
 * unless skipped (or the tarball is on this machine); a pin that the
 * registry contradicts fails before the download, and the downloaded bytes
 * are checked by `verifyArtifact` (every algorithm of the pin) before
 * anything reads them. The folder is named after the package's name and
 * version, checked first (`checkIdentity`, `isSafePluginDir`).
 */
export const npmSource: PluginSource<'npm'> = {
  kind: 'npm',

  checksOffline({ plugin, spec }) {
    return !plugin.forceDownload && plugin.pullPolicy !== 'Always' && isExactVersion(spec) && !!plugin.integrity;
  },

  async fingerprint(target, settings) {
    refuseGit(target);
    const { plugin } = target;
    if (plugin.forceDownload) return undefined;
    if (this.checksOffline(target)) {
      return `npm:${plugin.package}:${plugin.integrity}`;
    }
    const { spec } = target;
    if (spec.type !== 'registry' && !isOnThisMachine(spec)) {
      // A tarball URL or file: its content is what the pin says, else what
      // it hashes to now; nothing inside it is read before it is verified.
      if (plugin.integrity) return `npm:${plugin.package}:${plugin.integrity}`;
      return `npm:${plugin.package}:${await computeIntegrity(await download(plugin, tarballSource(spec), settings))}`;
    }
    // A range, a dist-tag or Always: ask the registry which version that is
    // now (metadata only, no tarball).
    const manifest = await resolveManifest(target, settings);
    return `npm:${manifest.name}@${manifest.version}:${manifest._integrity}`;
  },

  async fetch({ plugin, spec, stagingDir, settings }: FetchRequest<'npm'>): Promise<FetchResult> {
    refuseGit({ plugin, spec });
    const pin = requireIntegrity(plugin, spec, settings);
    let expected = pin;
    let identity: PackageIdentity | undefined;
    let source = tarballSource(spec);
    if (spec.type === 'registry') {
      const manifest = await resolveManifest({ plugin, spec }, settings);
      if (pin) {
        await reported(plugin, settings, async () => checkPinAgainstPublished(pin, manifest._integrity, plugin.package));
      }
      expected = pin ?? manifest._integrity;
      identity = manifest;
      source = manifest._resolved;
    }
    // Anything else is a tarball (a URL or a file): nothing is read from it,
    // its package.json included, before its bytes pass verifyArtifact.
    const tarball = await download(plugin, source, settings);
    const { hash } = await reported(plugin, settings, () =>
      verifyArtifact({ kind: 'npm-tarball', file: tarball, integrity: expected, required: !!pin, subject: 'the downloaded tarball' }),
    );
    const dir = path.join(stagingDir, 'package');
    const { extractTarball } = await import('../extract');
    await extractTarball(tarball, dir, {
      prefix: 'first-component',
      maxEntryBytes: settings.maxEntryBytes,
      maxTotalBytes: settings.maxArchiveBytes,
    });
    identity ??= checkIdentity(plugin, spec, await readPackageJson(plugin, dir), 'its package.json');
    const folder = requireSafePluginDir(
      `${identity.name.replace(/^@/, '').replace('/', '-')}-${identity.version}`,
      plugin.package,
    );
    return {
      dir,
      record: {
        folder,
        name: identity.name,
        version: identity.version,
        source: 'npm',
        integrity: expected ?? hash,
      },
    };
  },
};

/** Where a spec's tarball is: a URL's own address (`name@https://…` too), else the spec for pacote. */
function tarballSource(spec: NpmSpec): string {
  return spec.type === 'remote-tarball' ? spec.url : spec.spec;
}

/** Downloads a tarball (registry URL, tarball URL or file) without looking inside it. */
async function download(plugin: ResolvedPlugin, source: string, settings: InstallSettings): Promise<string> {
  const tarball = path.join(await settings.downloads(), `${crypto.randomUUID()}.tgz`);
  const options = await pacoteOptions(settings);
  if (/^https?:\/\//i.test(source)) {
    // Over the network: capped at maxNpmTarballBytes while it streams.
    const { downloadRemoteTarball } = await import('./npmDownload');
    const npmOptions = { ...options, spec: plugin.spec.type === 'registry' ? plugin.spec.spec : undefined };
    await npmCall(plugin, settings, () =>
      downloadRemoteTarball(source, tarball, { maxBytes: settings.maxNpmTarballBytes, npmOptions, what: plugin.package }),
    );
    return tarball;
  }
  const pacote = await loadPacote();
  // No `integrity` for pacote: verifyArtifact checks the bytes (every
  // algorithm of the pin) before anything reads them.
  await npmCall(plugin, settings, () => pacote.tarball.file(source, tarball, options));
  return tarball;
}

interface PackageIdentity {
  name: string;
  version: string;
}

/**
 * npm package names as the registry accepts them (old packages' capitals
 * included): an optional `@scope/`, then URL-safe characters, not starting
 * with `.` or `_`, at most 214 characters.
 */
const NPM_NAME_RE = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;

export function isValidNpmName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 214 && NPM_NAME_RE.test(name);
}

/**
 * The plugin folder is named after the package's name and version, which
 * come from the registry or the tarball: both must be well-formed, and a
 * registry must answer with the package that was asked for.
 */
function checkIdentity(
  plugin: ResolvedPlugin,
  spec: NpmSpec,
  found: { name?: unknown; version?: unknown },
  from: string,
): PackageIdentity {
  const refuse = (reason: string): never => {
    throw new InstallError(`${plugin.package}: ${from} ${reason}`, 'INVALID_PACKAGE_MANIFEST');
  };
  const { name, version } = found;
  if (!isValidNpmName(name)) refuse(`has an invalid package name ${quote(String(name))}`);
  if (spec.type === 'registry' && name !== spec.name) refuse(`names the package ${quote(String(name))}, not ${spec.name}`);
  if (typeof version !== 'string' || semver.valid(version) === null) refuse(`has an invalid version ${quote(String(version))}`);
  if (spec.type === 'registry' && spec.selector.type === 'version' && !semver.eq(version as string, spec.selector.value)) {
    refuse(`has the version ${quote(String(version))}, not ${spec.selector.value}`);
  }
  return { name: name as string, version: version as string };
}

async function readPackageJson(plugin: ResolvedPlugin, dir: string): Promise<{ name?: unknown; version?: unknown }> {
  try {
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    if (pkg && typeof pkg === 'object') return pkg;
  } catch {
    // reported below
  }
  throw new InstallError(`${plugin.package}: the tarball holds no package/package.json with a name and version`, 'NOT_A_PACKAGE');
}

/**
 * git specs (`github:user/repo`, `git+https://…`, `user/repo`) are refused
 * before pacote sees them: pacote would run git, and prepare scripts, on
 * whatever the repository holds, and there is no integrity to check it by.
 */
function refuseGit({ plugin, spec }: SourcePlugin<'npm'>) {
  if (spec.type !== 'git') return;
  throw new InstallError(
    `${plugin.package}: git repositories are not supported as plugin packages; publish the package to a registry, or use a tarball URL with an integrity`,
    'UNSUPPORTED_PACKAGE_SPEC',
  );
}

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

/**
 * The registry's manifest of a spec, asked once per run: the trust step
 * (`trust/npmRegistry.ts`), the fingerprint of a range and the fetch all read
 * this one answer, so a checked package costs no second packument request
 * and all three see the same version and integrity. The tarball is still
 * checked against that integrity after the download, before extraction.
 * Failures are not kept: each caller reports them in its own words.
 */
export function registryManifest(spec: string, settings: InstallSettings): Promise<Awaited<ReturnType<typeof import('pacote')['manifest']>>> {
  const key = `npm-manifest:${spec}`;
  let pending = settings.cache.get(key) as ReturnType<typeof registryManifest> | undefined;
  if (!pending) {
    pending = (async () => {
      const pacote = await loadPacote();
      return pacote.manifest(spec, { ...(await pacoteOptions(settings)), fullMetadata: false });
    })();
    settings.cache.set(key, pending);
    pending.catch(() => {
      if (settings.cache.get(key) === pending) settings.cache.delete(key);
    });
  }
  return pending;
}

async function resolveManifest({ plugin, spec }: SourcePlugin<'npm'>, settings: InstallSettings) {
  const manifest = await npmCall(plugin, settings, () => registryManifest(spec.spec, settings));
  const from = spec.type === 'registry' ? "the registry's manifest" : 'its package.json';
  checkIdentity(plugin, spec, manifest, from);
  // A registry's tarball is fetched over HTTP(S), never from a path or git.
  if (spec.type === 'registry' && !/^https?:\/\//i.test(String(manifest._resolved))) {
    throw new InstallError(`${plugin.package}: ${from} points at a tarball that is not an http(s) URL`, 'INVALID_PACKAGE_MANIFEST');
  }
  return manifest;
}

/** npm's request options for this run: also what the trust check fetches signatures and keys with. */
export async function pacoteOptions(settings: InstallSettings) {
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
