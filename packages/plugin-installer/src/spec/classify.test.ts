import { InstallError } from '../errors';
import { classifySpec, inheritsVersion, isExactVersion, isOnThisMachine, requireValid, type PluginSpec } from './classify';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function expectType<T extends PluginSpec['type']>(spec: PluginSpec, type: T): Extract<PluginSpec, { type: T }> {
  expect(spec.type).toBe(type);
  return spec as Extract<PluginSpec, { type: T }>;
}

describe('classifySpec', () => {
  it.each([
    ['./dynamic-plugins/dist/x', './dynamic-plugins/dist/x'],
    ['../x', '../x'],
    ['/abs/path', '/abs/path'],
    ['.', '.'],
  ])('reads %s as a local folder, keyed as written', (input, key) => {
    const spec = expectType(classifySpec(input), 'local-directory');
    expect(spec).toMatchObject({ source: 'local', key, path: input });
    expect(isOnThisMachine(spec)).toBe(true);
  });

  it('reads ./x.tgz as a tarball on this machine, fetched by the npm source without a required integrity', () => {
    const spec = expectType(classifySpec('./dist/x-1.0.0.tgz'), 'local-tarball');
    expect(spec).toMatchObject({ source: 'npm', key: './dist/x-1.0.0.tgz' });
    expect(isOnThisMachine(spec)).toBe(true);
    expect(classifySpec('../x.tar.gz').type).toBe('local-tarball');
  });

  it.each([
    ['@scope/name', '@scope/name', { type: 'range', value: '*' }],
    ['@scope/name@1.2.3', '@scope/name', { type: 'version', value: '1.2.3' }],
    ['name@^1', 'name', { type: 'range', value: '^1' }],
    ['name@latest', 'name', { type: 'tag', value: 'latest' }],
    ['name@', 'name', { type: 'range', value: '*' }],
  ])('reads %s as registry package %s', (input, name, selector) => {
    const spec = expectType(classifySpec(input), 'registry');
    expect(spec).toMatchObject({ source: 'npm', name, key: name, selector });
    expect(spec.alias).toBeUndefined();
    expect(isOnThisMachine(spec)).toBe(false);
  });

  it('keys an alias by alias and real name, and fetches the real package', () => {
    const spec = expectType(classifySpec('my-alias@npm:@acme/plugin-a@1.0.0'), 'registry');
    expect(spec).toMatchObject({ key: 'my-alias@npm:@acme/plugin-a', name: '@acme/plugin-a', alias: 'my-alias' });
    expect(isExactVersion(spec)).toBe(true);
  });

  it('calls only an exact registry version exact', () => {
    expect(isExactVersion(classifySpec('@scope/name@1.2.3'))).toBe(true);
    expect(isExactVersion(classifySpec('@scope/name@1.2.3-rc.1+build.5'))).toBe(true);
    expect(isExactVersion(classifySpec('name@^1'))).toBe(false);
    expect(isExactVersion(classifySpec('name@latest'))).toBe(false);
    expect(isExactVersion(classifySpec('https://h/x-1.2.3.tgz'))).toBe(false);
    expect(isExactVersion(classifySpec('./x'))).toBe(false);
  });

  it('reads a {{inherit}} version as a registry package whose version comes from a lower layer', () => {
    const spec = expectType(classifySpec('@scope/name@{{inherit}}'), 'registry');
    expect(spec).toMatchObject({ key: '@scope/name', name: '@scope/name', selector: { type: 'inherit' }, spec: '@scope/name@{{inherit}}' });
  });

  it.each(['https://example.com/foo-1.0.0.tgz', 'http://127.0.0.1:4873/@acme/b/-/b-2.0.0.tgz'])(
    'reads %s as a remote tarball keyed by its URL',
    url => {
      const spec = expectType(classifySpec(url), 'remote-tarball');
      expect(spec).toMatchObject({ source: 'npm', key: url, url });
    },
  );

  it.each(['file:./x.tgz', 'file:../dir', 'x-1.0.0.tgz', '~/x'])(
    'reads %s as a file form that pacote resolves and that needs an integrity',
    input => {
      const spec = expectType(classifySpec(input), 'file');
      expect(spec).toMatchObject({ source: 'npm', key: input });
      expect(isOnThisMachine(spec)).toBe(false);
    },
  );

  it.each([
    ['github:user/repo#v1', 'github:user/repo'],
    ['git+https://github.com/x/y.git#v1', 'git+https://github.com/x/y.git'],
    ['user/repo', 'user/repo'],
    // A URL is its own identity, ref included.
    ['https://github.com/x/y#v1', 'https://github.com/x/y#v1'],
  ])('reads %s as a git spec keyed %s', (input, key) => {
    expect(expectType(classifySpec(input), 'git')).toMatchObject({ source: 'npm', key });
  });

  it('reads oci://host:port/repo:tag!package-name with its tag and plugin folder', () => {
    const spec = expectType(classifySpec('oci://127.0.0.1:5000/org/plugins:bs_1.55.0__1.0.0!backstage-plugin-x'), 'oci');
    expect(spec).toMatchObject({
      source: 'oci',
      key: 'oci://127.0.0.1:5000/org/plugins!backstage-plugin-x',
      reference: { registry: '127.0.0.1:5000', repository: 'org/plugins', tag: 'bs_1.55.0__1.0.0', pluginPath: 'backstage-plugin-x' },
    });
  });

  it('reads oci://…@sha256:…!pkg with its digest, keyed like the tagged image', () => {
    const spec = expectType(classifySpec(`oci://quay.io/org/plugins@${DIGEST}!foo`), 'oci');
    expect(spec.reference).toMatchObject({ digest: DIGEST, pluginPath: 'foo' });
    expect(spec.key).toBe(classifySpec('oci://quay.io/org/plugins:1.0.0!foo').key);
  });

  it('reads an RHDH-format oci://…:tag without ! (the image annotation names the plugin)', () => {
    const spec = expectType(classifySpec('oci://quay.io/org/plugin:1.0.0'), 'oci');
    expect(spec.reference.pluginPath).toBeUndefined();
    expect(spec.key).toBe('oci://quay.io/org/plugin!');
  });

  it('keeps {{inherit}} in an OCI tag for config layering', () => {
    const spec = expectType(classifySpec('oci://quay.io/org/plugins:{{inherit}}!foo'), 'oci');
    expect(spec.reference.tag).toBe('{{inherit}}');
    expect(spec.key).toBe('oci://quay.io/org/plugins!foo');
  });

  it('keys a malformed OCI reference all the same and refuses it when fetched', () => {
    const spec = expectType(classifySpec('oci://127.0.0.1:5000/org/plugins@sha256:abcd!foo'), 'invalid');
    expect(spec.key).toBe('oci://127.0.0.1:5000/org/plugins!foo');
    expect(spec.error.code).toBe('INVALID_OCI_REFERENCE');
    expect(() => requireValid(spec)).toThrow(/not a digest/);
    expect(classifySpec('oci://quay.io/org/plugins:1!../../etc').type).toBe('invalid');
  });

  it.each(['@@@', 'foo bar', 'name@{{inherit}}x', 'alias@npm:github:user/repo'])(
    'refuses junk %s with a clear error naming the accepted forms',
    input => {
      const spec = expectType(classifySpec(input), 'invalid');
      expect(spec.error).toBeInstanceOf(InstallError);
      expect(spec.error.code).toBe('INVALID_PACKAGE_SPEC');
      expect(spec.error.message).toMatch(new RegExp(`^${input.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a plugin package \\(.+\\); expected an npm package`));
      expect(spec.error.message).toMatch(/oci:\/\/host\/repo:tag!plugin/);
    },
  );

  it('refuses an empty package', () => {
    expect(expectType(classifySpec('  '), 'invalid').error.code).toBe('INVALID_PACKAGE_SPEC');
  });

  it('ignores the whitespace around a spec', () => {
    expect(classifySpec('  @scope/name@1.2.3 ')).toMatchObject({ type: 'registry', spec: '@scope/name@1.2.3', key: '@scope/name' });
  });
});

describe('inheritsVersion', () => {
  it.each([
    ['@scope/name@{{inherit}}', true],
    ['oci://quay.io/org/plugins:{{inherit}}!foo', true],
    [`oci://quay.io/org/plugins:{{inherit}}@${DIGEST}!foo`, true],
    ['@scope/name@1.2.3', false],
    ['oci://quay.io/org/plugins:1.0.0!foo', false],
    ['./dist/x', false],
  ])('%s takes its version from a lower layer: %s', (input, expected) => {
    expect(inheritsVersion(classifySpec(input))).toBe(expected);
  });
});
