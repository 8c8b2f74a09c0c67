import type { ResolvedPlugin } from '../config/layers';
import type { InstallSettings } from '../sources/types';
import { fetchAttestations, type VersionMetadata } from './npmRegistry';
import type { EffectiveTrust } from './select';
import type { Finding } from './verdict';

/*
 * npm provenance: the registry's `dist.attestations.url` serves Sigstore
 * bundles whose DSSE payload is an in-toto statement about the tarball
 * (`pkg:npm/<name>@<version>`, its sha512). The bundle is verified with
 * `@sigstore/verify` against the policy's trust material: the trusted keys
 * (a keyed bundle's `publicKey.hint` is the key id) and the configured
 * Sigstore trusted root (certificate bundles, whose SAN and issuer must match
 * a trusted identity). The statement must name this version and its
 * integrity, and the SLSA predicate's source repository must be one the
 * policy allows.
 */

const PROVENANCE_PREFIX = 'https://slsa.dev/provenance/';

/** `pkg:npm/%40scope/name@1.0.0`: the subject name npm's attestations use. */
export function npmPurl(name: string, version: string): string {
  return `pkg:npm/${name.replace(/^@/, '%40')}@${version}`;
}

/** The source repository a SLSA provenance predicate names (v1 GitHub workflow, or v0.2 config source). */
export function sourceRepositoryOf(predicate: any): string | undefined {
  const v1 = predicate?.buildDefinition?.externalParameters?.workflow?.repository;
  if (typeof v1 === 'string') return v1;
  const v02 = predicate?.invocation?.configSource?.uri;
  if (typeof v02 === 'string') return v02.replace(/^git\+/, '').replace(/@.*$/, '');
  return undefined;
}

function repositoryAllowed(repo: string, allowed: string[]): boolean {
  const norm = (s: string) => s.replace(/\.git$/, '').replace(/\/+$/, '').toLowerCase();
  // Whole path segments: `github.com/acme` allows `github.com/acme/x`, not `github.com/acme-evil`.
  return allowed.some(a => norm(repo) === norm(a) || norm(repo).startsWith(`${norm(a)}/`));
}

export async function checkProvenance(input: {
  plugin: ResolvedPlugin;
  manifest: VersionMetadata;
  trust: EffectiveTrust;
  registry: string;
  settings: InstallSettings;
}): Promise<Finding> {
  const { manifest, trust } = input;
  const method = 'npm-provenance';
  const doc = (await fetchAttestations(input.plugin, manifest.attestationsUrl!, input.registry, input.settings)) as any;
  const entries: any[] = Array.isArray(doc?.attestations) ? doc.attestations : [];
  const provenance = entries.filter(e => typeof e?.predicateType === 'string' && e.predicateType.startsWith(PROVENANCE_PREFIX));
  if (provenance.length === 0) return { status: 'unsigned', method, detail: 'no provenance attestation' };
  const problems: string[] = [];
  for (const entry of provenance.slice(0, 8)) {
    try {
      return await verifyOne(entry.bundle, manifest, trust);
    } catch (error) {
      problems.push((error as Error).message.split('\n')[0]);
    }
  }
  return { status: 'invalid', method, detail: `provenance ${[...new Set(problems)].join('; ')}` };
}

async function verifyOne(json: unknown, manifest: VersionMetadata, trust: EffectiveTrust): Promise<Finding> {
  const { verifySigstoreBundle } = await import('./sigstore');
  // The statement is checked first: a bundle about another package fails on that, whoever signed it.
  const envelope = (json as any)?.dsseEnvelope;
  if (!envelope || typeof envelope.payload !== 'string') throw new Error('is not a DSSE envelope');
  const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
  checkSubject(statement, manifest);
  const { by } = await verifySigstoreBundle(json, trust);
  const repo = sourceRepositoryOf(statement.predicate);
  if (trust.sourceRepositories.length && (!repo || !repositoryAllowed(repo, trust.sourceRepositories))) {
    throw new Error(`says it was built from ${repo ?? 'no source repository'}, not from ${trust.sourceRepositories.join(' or ')}`);
  }
  return { status: 'verified', method: 'npm-provenance', by, ...(repo ? { sourceRepository: repo } : {}) };
}

function checkSubject(statement: any, manifest: VersionMetadata) {
  const purl = npmPurl(manifest.name, manifest.version);
  const subject = Array.isArray(statement?.subject) ? statement.subject.find((s: any) => s?.name === purl) : undefined;
  if (!subject) throw new Error(`is about ${statement?.subject?.[0]?.name ?? 'nothing'}, not ${purl}`);
  const sha512 = manifest.integrity
    .split(/\s+/)
    .find(h => h.startsWith('sha512-'))
    ?.slice('sha512-'.length);
  const hex = sha512 ? Buffer.from(sha512, 'base64').toString('hex') : undefined;
  if (!hex || subject.digest?.sha512 !== hex) throw new Error(`covers sha512 ${subject.digest?.sha512 ?? 'none'}, not the published ${manifest.integrity}`);
}
