import crypto from 'node:crypto';
import type { TrustedIdentity } from './policy';
import type { EffectiveTrust } from './select';

/*
 * What npm provenance and keyless cosign signatures share: a Sigstore bundle
 * verified with @sigstore/verify against the policy's trust material, and
 * the certificate's identity matched against the trusted identities.
 */

/** Verifies a bundle (JSON) over `artifact` (none for DSSE); returns who signed it, as the policy names them. */
export async function verifySigstoreBundle(json: unknown, trust: EffectiveTrust, artifact?: Buffer): Promise<{ by: string; bundle: import('@sigstore/bundle').Bundle }> {
  const { bundleFromJSON } = await import('@sigstore/bundle');
  const { toSignedEntity, toTrustMaterial, Verifier } = await import('@sigstore/verify');
  const { TrustedRoot } = await import('@sigstore/protobuf-specs');
  let bundle;
  try {
    bundle = bundleFromJSON(json);
  } catch (error) {
    throw new Error(`is not a Sigstore bundle (${(error as Error).message})`);
  }
  const root = TrustedRoot.fromJSON(trust.trustedRoot?.json ?? {});
  const material = toTrustMaterial(root, (hint: string) => {
    const key = trust.keys.find(k => k.keyid === hint || k.name === hint);
    if (!key) throw new Error(`is signed by key ${hint}, which the policy does not trust`);
    return { publicKey: crypto.createPublicKey(key.pem), validFor: () => true };
  });
  // Thresholds follow the trust root: a root with transparency logs or
  // timestamp authorities requires their evidence; a keyed bundle checked
  // against configured keys alone needs none (offline, as the tests run).
  const verifier = new Verifier(material, {
    tlogThreshold: material.tlogs.length ? 1 : 0,
    ctlogThreshold: material.ctlogs.length ? 1 : 0,
    timestampThreshold: material.tlogs.length || material.timestampAuthorities.length ? 1 : 0,
  });
  let signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle, artifact));
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    // The key finder's own refusal is already one clause.
    if (message.includes('which the policy does not trust')) throw error;
    throw new Error(`does not verify: ${message}`);
  }
  const content = bundle.verificationMaterial.content;
  if (content.$case === 'publicKey') {
    const hint = content.publicKey.hint;
    return { by: `key ${trust.keys.find(k => k.keyid === hint || k.name === hint)!.name}`, bundle };
  }
  // A certificate: its identity must be one the policy trusts.
  const san = signer.identity?.subjectAlternativeName ?? '';
  const issuer = signer.identity?.extensions?.issuer ?? '';
  const identity = trustedIdentity(trust.identities, issuer, san);
  if (!identity) throw new Error(`is signed by ${san || 'an unnamed subject'} (issuer ${issuer || 'unknown'}), not a trusted identity`);
  return { by: `identity ${identity.name}`, bundle };
}

export function trustedIdentity(identities: TrustedIdentity[], issuer: string, subject: string): TrustedIdentity | undefined {
  return identities.find(i => i.issuer === issuer && new RegExp(i.subject).test(subject));
}
