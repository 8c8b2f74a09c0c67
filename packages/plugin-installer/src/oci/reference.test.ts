import { InstallError } from '../errors';
import { formatOciReference, imageKey, parseOciReference } from './reference';

const SHA = `sha256:${'a'.repeat(64)}`;

function parseError(reference: string): InstallError {
  try {
    parseOciReference(reference);
  } catch (error) {
    expect(error).toBeInstanceOf(InstallError);
    return error as InstallError;
  }
  throw new Error(`expected ${reference} to be rejected`);
}

describe('parseOciReference', () => {
  it('parses host, repository, tag and plugin path', () => {
    expect(parseOciReference('oci://quay.io/rhdh/backstage-plugin-foo:bs_1.42.5__1.2.3!rhdh-backstage-plugin-foo')).toEqual({
      registry: 'quay.io',
      repository: 'rhdh/backstage-plugin-foo',
      tag: 'bs_1.42.5__1.2.3',
      pluginPath: 'rhdh-backstage-plugin-foo',
    });
  });

  it('parses a host with a port and a digest, without a plugin path', () => {
    expect(parseOciReference(`oci://127.0.0.1:5000/a/b/c@${SHA}`)).toEqual({
      registry: '127.0.0.1:5000',
      repository: 'a/b/c',
      digest: SHA,
    });
  });

  it('accepts an IPv6 loopback host', () => {
    expect(parseOciReference('oci://[::1]:5000/repo:1.0').registry).toBe('[::1]:5000');
  });

  it('keeps both tag and digest when both are given', () => {
    expect(parseOciReference(`oci://ghcr.io/org/img:1.0@${SHA}!p`)).toMatchObject({ tag: '1.0', digest: SHA, pluginPath: 'p' });
  });

  it('passes {{inherit}} through as the tag for the config layer to resolve', () => {
    expect(parseOciReference('oci://quay.io/org/img:{{inherit}}!plugin')).toEqual({
      registry: 'quay.io',
      repository: 'org/img',
      tag: '{{inherit}}',
      pluginPath: 'plugin',
    });
  });

  it('accepts sha512 and blake3 digests', () => {
    expect(parseOciReference(`oci://r.io/x@sha512:${'b'.repeat(128)}`).digest).toMatch(/^sha512:/);
    expect(parseOciReference(`oci://r.io/x@blake3:${'c'.repeat(64)}`).digest).toMatch(/^blake3:/);
  });

  it.each([
    ['!../x', 'oci://quay.io/org/img:1.0!../x'],
    ['!../../etc', 'oci://quay.io/org/img:1.0!../../etc'],
    ['!..', 'oci://quay.io/org/img:1.0!..'],
    ['!a/b', 'oci://quay.io/org/img:1.0!a/b'],
    ['!a\\b', 'oci://quay.io/org/img:1.0!a\\b'],
    ['!/abs', 'oci://quay.io/org/img:1.0!/abs'],
    ['! (empty)', 'oci://quay.io/org/img:1.0!'],
    ['!.hidden', 'oci://quay.io/org/img:1.0!.hidden'],
    ['!a!b', 'oci://quay.io/org/img:1.0!a!b'],
  ])('rejects the unsafe plugin path %s with INVALID_OCI_REFERENCE naming the reference', (_name, reference) => {
    const error = parseError(reference);
    expect(error.code).toBe('INVALID_OCI_REFERENCE');
    expect(error.message).toContain('oci://quay.io/org/img:1.0!');
    expect(error.message).toContain('single folder name');
  });

  it.each([
    ['no oci:// prefix', 'quay.io/org/img:1.0'],
    ['no repository', 'oci://quay.io:1.0'],
    ['no tag or digest', 'oci://quay.io/org/img'],
    ['empty tag', 'oci://quay.io/org/img:!plugin'],
    ['uppercase repository', 'oci://quay.io/Org/img:1.0'],
    ['bad digest', 'oci://quay.io/org/img@sha256:1234'],
    ['bad tag', 'oci://quay.io/org/img:-bad'],
    ['whitespace', 'oci://quay.io/org/img:1.0 !x'],
    ['{{inherit}} with digest', `oci://quay.io/org/img:{{inherit}}@${SHA}`],
  ])('rejects %s', (_name, reference) => {
    expect(parseError(reference).code).toBe('INVALID_OCI_REFERENCE');
  });

  it('does not echo credentials written in front of the host', () => {
    const error = parseError('oci://user:s3cret@quay.io/org/img:1.0');
    expect(error.message).not.toContain('s3cret');
  });
});

describe('imageKey', () => {
  it('drop tag and digest so the same image matches across config layers', () => {
    const a = parseOciReference('oci://quay.io/org/img:1.0!plugin');
    const b = parseOciReference(`oci://quay.io/org/img@${SHA}!plugin`);
    const c = parseOciReference('oci://quay.io/org/img:{{inherit}}!plugin');
    expect(imageKey(a)).toBe('quay.io/org/img');
    expect(imageKey(b)).toBe(imageKey(a));
    expect(imageKey(c)).toBe(imageKey(a));
  });

  it('formatOciReference round-trips', () => {
    for (const r of ['oci://quay.io/org/img:1.0!plugin', `oci://127.0.0.1:5000/a/b@${SHA}`]) {
      expect(formatOciReference(parseOciReference(r))).toBe(r);
    }
  });
});
