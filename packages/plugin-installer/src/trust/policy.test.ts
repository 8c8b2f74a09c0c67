import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePluginConfig } from '../config/parse';
import { resolvePluginConfig } from '../config/layers';
import { InstallError } from '../errors';
import { effectiveTrust, npmRegistryFor } from './select';

const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const pemLines = key.export({ format: 'pem', type: 'spki' }).toString().trim().split('\n');
const KEYS = `  publicKeys:\n    release:\n      publicKey: |\n${pemLines.map(l => `        ${l}`).join('\n')}\n`;
const FILE = '/etc/devportal/dynamic-plugins.yaml';

function parse(text: string) {
  return parsePluginConfig(text, FILE);
}

function error(text: string): string {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(InstallError);
    expect((e as InstallError).code).toBe('INVALID_CONFIG');
    return (e as Error).message;
  }
  throw new Error('parsed without an error');
}

describe('the trust: block of dynamic-plugins.yaml', () => {
  it('reads modes, keys, identities, overrides and the allow-list', () => {
    const policy = parse(
      `trust:\n  mode: audit\n${KEYS}  identities:\n    ci:\n      issuer: https://token.actions.githubusercontent.com\n      subject: ^https://github\\.com/acme/\n` +
        `  trustedKeys: [release]\n  overrides:\n    - npmScope: "@acme"\n      mode: enforce\n      trustedIdentities: [ci]\n` +
        `    - ociRepository: oci://quay.io/acme/\n      mode: enforce\n` +
        `  allowUnsigned:\n    - package: legacy-plugin\n      reason: in-house, SEC-12\nplugins: []\n`,
    ).trust!;
    expect(policy.defaults).toMatchObject({ mode: 'audit', trustedKeys: ['release'] });
    expect(policy.publicKeys.get('release')!.keyid).toMatch(/^SHA256:/);
    expect(policy.identities.get('ci')).toEqual({ name: 'ci', issuer: 'https://token.actions.githubusercontent.com', subject: '^https://github\\.com/acme/' });
    expect(policy.overrides.map(o => o.selector)).toEqual([
      { kind: 'npmScope', value: '@acme' },
      { kind: 'ociRepository', value: 'quay.io/acme' },
    ]);
    expect(policy.allowUnsigned).toEqual([{ package: 'legacy-plugin', reason: 'in-house, SEC-12' }]);

    const npm = (name: string) => effectiveTrust(policy, { kind: 'npm', name, registry: 'https://registry.npmjs.org/' });
    expect(npm('@acme/x')).toMatchObject({ mode: 'enforce', identities: [{ name: 'ci' }], keys: [{ name: 'release' }] });
    expect(npm('other')).toMatchObject({ mode: 'audit', identities: [] });
    expect(npm('legacy-plugin').allowed?.reason).toBe('in-house, SEC-12');
    const oci = (registry: string, repository: string) => effectiveTrust(policy, { kind: 'oci', registry, repository }).mode;
    expect(oci('quay.io', 'acme/plugins')).toBe('enforce');
    // By whole path segments: a look-alike repository is not covered.
    expect(oci('quay.io', 'acme-evil/plugins')).toBe('audit');
    // A changed policy changes the fingerprint that makes installed plugins verify again.
    const stricter = parse(`trust:\n  mode: enforce\n${KEYS}plugins: []\n`).trust!;
    expect(effectiveTrust(stricter, { kind: 'npm', name: 'other', registry: 'https://registry.npmjs.org/' }).fingerprint).not.toBe(npm('other').fingerprint);
  });

  it.each([
    ['an unknown mode', 'trust:\n  mode: strict\n', "/etc/devportal/dynamic-plugins.yaml:2:9: 'trust.mode' must be one of off, audit, enforce, not \"strict\""],
    ['an unknown key', 'trust:\n  mode: audit\n  trustKeys: [a]\n', "/etc/devportal/dynamic-plugins.yaml:3:3: unknown key 'trust.trustKeys'"],
    ['a key name nobody defined', 'trust:\n  trustedKeys: [nobody]\n', "'trust.trustedKeys' names 'nobody', which is not in trust.publicKeys"],
    ['a key that is not a key', 'trust:\n  publicKeys:\n    k:\n      publicKey: hello\n', "/etc/devportal/dynamic-plugins.yaml:4:18: 'trust.publicKeys.k' is not a PEM or base64 SPKI public key"],
    ['an override with two selectors', 'trust:\n  overrides:\n    - npmScope: "@a"\n      ociRepository: quay.io/a\n', "/etc/devportal/dynamic-plugins.yaml:3:7: 'trust.overrides[0]' must name exactly one of npmRegistry, npmScope, ociRepository"],
    ['a scope without @', 'trust:\n  overrides:\n    - npmScope: acme\n', "'trust.overrides[0].npmScope' must be an npm scope like @acme"],
    ['an allow-list entry without a reason', 'trust:\n  allowUnsigned:\n    - package: x\n', "/etc/devportal/dynamic-plugins.yaml:3:7: 'trust.allowUnsigned[0]' has no 'reason'"],
    ['a subject that is not a regular expression', 'trust:\n  identities:\n    ci:\n      issuer: https://x\n      subject: "(("\n', "/etc/devportal/dynamic-plugins.yaml:5:16: 'trust.identities.ci.subject' is not a valid regular expression"],
    ['npmRegistryKeys as a string', 'trust:\n  npmRegistryKeys: "yes"\n', "/etc/devportal/dynamic-plugins.yaml:2:20: 'trust.npmRegistryKeys' must be true or false"],
    ['trust as a list', 'trust:\n  - enforce\n', "/etc/devportal/dynamic-plugins.yaml:2:3: 'trust' must be a mapping"],
  ])('refuses %s, naming the file, line and key', (_what, text, expected) => {
    expect(error(text)).toContain(expected);
  });

  it('reads the policy from the top-level file only, and counts its key files as inputs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-trust-policy-'));
    try {
      fs.writeFileSync(path.join(dir, 'release.pub'), key.export({ format: 'pem', type: 'spki' }));
      fs.writeFileSync(path.join(dir, 'included.yaml'), 'trust:\n  mode: off\nplugins: []\n');
      fs.writeFileSync(
        path.join(dir, 'dynamic-plugins.yaml'),
        'includes: [included.yaml]\ntrust:\n  mode: enforce\n  publicKeys:\n    release:\n      publicKeyFile: release.pub\n  trustedKeys: [release]\nplugins: []\n',
      );
      const config = await resolvePluginConfig(path.join(dir, 'dynamic-plugins.yaml'));
      expect(config.trust?.defaults.mode).toBe('enforce');
      expect(config.warnings).toContain(`${path.join(dir, 'included.yaml')}: 'trust' in an included file is ignored; set it in ${path.join(dir, 'dynamic-plugins.yaml')}`);
      expect(config.files).toContain(path.join(dir, 'release.pub'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('picks the npm registry a package comes from as npm does', () => {
    const options = { registry: 'https://npm.example/', '@acme:registry': 'https://acme.example/npm' };
    expect(npmRegistryFor('@acme/x', options)).toBe('https://acme.example/npm/');
    expect(npmRegistryFor('left-pad', options)).toBe('https://npm.example/');
    expect(npmRegistryFor('left-pad', {})).toBe('https://registry.npmjs.org/');
  });
});
