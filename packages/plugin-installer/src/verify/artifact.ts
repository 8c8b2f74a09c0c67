import fs from 'node:fs/promises';
import { InstallError } from '../errors';
import { verifyFileDigest } from './digest';
import { hashFolder } from './folderHash';
import { computeIntegrity, parseIntegrity, verifyFileIntegrity, type IntegrityHash } from './integrity';

/*
 * The one check every downloaded or copied plugin passes before it is
 * extracted or installed, whatever its source:
 *
 * - an npm tarball against its SRI integrity (the one pinned in
 *   dynamic-plugins.yaml, else the registry's);
 * - an OCI blob against its content digest (the OCI client also checks the
 *   bytes while they stream; this check does not rely on it);
 * - a local folder has nothing to be checked against (no pin exists for a
 *   folder on this machine): its content hash is computed and recorded, so
 *   that what was installed can be compared later, but it is not verified.
 *
 * A file that fails is deleted: a refused artifact never stays on disk.
 */

export type Artifact =
  | {
      kind: 'npm-tarball';
      file: string;
      /** SRI string; absent when nothing is pinned and the registry published none. */
      integrity?: string;
      /** Whether a missing `integrity` is an error (remote packages without `--skip-integrity`). */
      required: boolean;
      /** Named in messages, e.g. `the downloaded tarball`. */
      subject: string;
    }
  | { kind: 'oci-blob'; file: string; digest: string; subject: string }
  | { kind: 'local-folder'; dir: string; subject: string };

export interface Verification {
  /** Whether the bytes were checked against an expected hash (false: only computed). */
  verified: boolean;
  /** The hash that matched, or the one computed: SRI for npm, `<alg>:<hex>` for OCI and folders. */
  hash: string;
}

export async function verifyArtifact(artifact: Artifact): Promise<Verification> {
  switch (artifact.kind) {
    case 'npm-tarball':
      return refusing(artifact.file, async () => {
        if (artifact.integrity !== undefined) {
          return { verified: true, hash: await verifyFileIntegrity(artifact.file, artifact.integrity, { subject: artifact.subject }) };
        }
        if (artifact.required) {
          throw new InstallError(`No integrity to check ${artifact.subject} against`, 'INTEGRITY_MISSING');
        }
        // Allowed unpinned (on this machine, or --skip-integrity): say what it was.
        return { verified: false, hash: await computeIntegrity(artifact.file) };
      });
    case 'oci-blob':
      return refusing(artifact.file, async () => {
        await verifyFileDigest(artifact.file, artifact.digest, { subject: artifact.subject });
        return { verified: true, hash: artifact.digest };
      });
    case 'local-folder':
      // Not verifiable: there is no pin for a folder. Recorded only.
      return { verified: false, hash: await hashFolder(artifact.dir) };
    default:
      throw new Error(`Unknown artifact kind '${(artifact as { kind: string }).kind}'`);
  }
}

/**
 * Before anything is downloaded: the pinned integrity must be well-formed
 * (`INVALID_INTEGRITY`) and must not be contradicted by what the registry
 * publishes (`INTEGRITY_MISMATCH`), so a wrong pin fails without a download.
 * The bytes match a pin when any of its hashes matches, so the pin is
 * contradicted only when the registry publishes every algorithm it lists
 * and none of its hashes is among them (a `sha256-` pin against a registry
 * publishing only sha512 is left to the byte check). A registry value we
 * cannot parse is left to the byte check too.
 */
export function checkPinAgainstPublished(pin: string, published: string | undefined, subject: string): void {
  const pinned = parseIntegrity(pin, { subject });
  if (!published) return;
  let offered: IntegrityHash[];
  try {
    offered = parseIntegrity(published);
  } catch {
    return;
  }
  const offeredAlgorithms = new Set(offered.map(hash => hash.algorithm));
  if (!pinned.every(hash => offeredAlgorithms.has(hash.algorithm))) return;
  if (!pinned.some(hash => offered.some(other => other.sri === hash.sri))) {
    throw new InstallError(`${subject}: the registry publishes integrity ${published}, dynamic-plugins.yaml expects ${pin}`, 'INTEGRITY_MISMATCH');
  }
}

async function refusing(file: string, check: () => Promise<Verification>): Promise<Verification> {
  try {
    return await check();
  } catch (error) {
    await fs.rm(file, { force: true }).catch(() => undefined);
    throw error;
  }
}
