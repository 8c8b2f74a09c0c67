import crypto from 'node:crypto';
import { checkRegistrySignatures, readRegistryKeys } from './npmSignatures';
import { describeKey } from './policy';
import { signNpmVersion } from './sign';

describe('npm registry signatures', () => {
  const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { keyid, pem } = describeKey(pair.publicKey);
  const signature = signNpmVersion(pair.privateKey, 'pkg', '1.0.0', 'sha512-abc');
  const registryKey = (expires: string | null) =>
    readRegistryKeys({ keys: [{ keyid, key: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'), expires }] });
  const check = (expires: string | null, publishedAt?: string) =>
    checkRegistrySignatures({ name: 'pkg', version: '1.0.0', integrity: 'sha512-abc', signatures: [signature], trustedKeys: [], registryKeys: registryKey(expires), registry: 'https://r/', publishedAt });

  it('accepts a registry key for what was published before it expired, as npm does after a key rotation', () => {
    expect(check('2025-01-29T00:00:00.000Z', '2024-06-01T00:00:00.000Z').status).toBe('verified');
    // No publish time: npm's 2015 stand-in.
    expect(check('2025-01-29T00:00:00.000Z').status).toBe('verified');
    expect(check(null, '2026-01-01T00:00:00.000Z').status).toBe('verified');
  });

  it('refuses a registry key for what was published after it expired', () => {
    expect(check('2025-01-29T00:00:00.000Z', '2025-06-01T00:00:00.000Z')).toEqual({
      status: 'invalid',
      method: 'npm-registry-signature',
      detail: `a signature by registry key ${keyid}, which expired 2025-01-29T00:00:00.000Z, before the version was published`,
    });
  });

  it('refuses a signature over another integrity, and verifies a configured key by its key id', () => {
    const input = { name: 'pkg', version: '1.0.0', signatures: [signature], trustedKeys: [{ name: 'release', keyid, pem }], registry: 'https://r/' };
    expect(checkRegistrySignatures({ ...input, integrity: 'sha512-abc' })).toEqual({ status: 'verified', method: 'npm-registry-signature', by: 'key release' });
    expect(checkRegistrySignatures({ ...input, integrity: 'sha512-other' }).status).toBe('invalid');
  });
});
