import { InstallError } from '../errors';
import { choosePluginPath, decodeDynamicPackages, DYNAMIC_PACKAGES_ANNOTATION, encodeDynamicPackages } from './annotations';
import { parseOciReference } from './reference';

const annotate = (list: unknown) => ({
  [DYNAMIC_PACKAGES_ANNOTATION]: Buffer.from(JSON.stringify(list)).toString('base64'),
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InstallError);
    return (error as InstallError).code;
  }
  throw new Error('expected an InstallError');
}

describe('io.backstage.dynamic-packages', () => {
  it('decodes the RHDH annotation into plugin folders and package info', () => {
    const annotations = annotate([
      { 'backstage-community-plugin-a': { name: '@backstage-community/plugin-a', version: '1.0.0' } },
      { 'backstage-community-plugin-a-backend': { name: '@backstage-community/plugin-a-backend', version: '1.0.0' } },
    ]);
    expect(decodeDynamicPackages(annotations)).toEqual([
      { path: 'backstage-community-plugin-a', packageInfo: { name: '@backstage-community/plugin-a', version: '1.0.0' } },
      { path: 'backstage-community-plugin-a-backend', packageInfo: { name: '@backstage-community/plugin-a-backend', version: '1.0.0' } },
    ]);
  });

  it('encodes what it decodes', () => {
    const plugins = [{ path: 'p', packageInfo: { name: 'p', version: '1' } }];
    expect(decodeDynamicPackages({ [DYNAMIC_PACKAGES_ANNOTATION]: encodeDynamicPackages(plugins) })).toEqual(plugins);
  });

  it('returns undefined without the annotation and refuses an undecodable one', () => {
    expect(decodeDynamicPackages({})).toBeUndefined();
    expect(codeOf(() => decodeDynamicPackages({ [DYNAMIC_PACKAGES_ANNOTATION]: '%%%' }))).toBe('INVALID_OCI_IMAGE');
    expect(codeOf(() => decodeDynamicPackages({ [DYNAMIC_PACKAGES_ANNOTATION]: Buffer.from('{"a":1}').toString('base64') }))).toBe('INVALID_OCI_IMAGE');
  });
});

describe('choosePluginPath', () => {
  const one = annotate([{ 'plugin-one': { name: 'plugin-one' } }]);
  const two = annotate([{ 'plugin-one': {} }, { 'plugin-two': {} }]);

  it('an image with one plugin and no !dir gives that plugin', () => {
    expect(choosePluginPath(parseOciReference('oci://r.io/img:1'), one)).toBe('plugin-one');
  });

  it('an image with two plugins and no !dir is AMBIGUOUS_OCI_IMAGE naming both', () => {
    let error: InstallError | undefined;
    try {
      choosePluginPath(parseOciReference('oci://r.io/img:1'), two);
    } catch (e) {
      error = e as InstallError;
    }
    expect(error?.code).toBe('AMBIGUOUS_OCI_IMAGE');
    expect(error?.message).toContain('"plugin-one", "plugin-two"');
    expect(error?.message).toContain('oci://r.io/img:1!<plugin-dir>');
  });

  it('!dir picks a listed plugin and refuses one the image does not list', () => {
    expect(choosePluginPath(parseOciReference('oci://r.io/img:1!plugin-two'), two)).toBe('plugin-two');
    expect(codeOf(() => choosePluginPath(parseOciReference('oci://r.io/img:1!plugin-three'), two))).toBe('OCI_PLUGIN_NOT_IN_IMAGE');
  });

  it('!dir is used as is when the image has no annotation; without !dir that is ambiguous', () => {
    expect(choosePluginPath(parseOciReference('oci://r.io/img:1!anything'), {})).toBe('anything');
    expect(codeOf(() => choosePluginPath(parseOciReference('oci://r.io/img:1'), {}))).toBe('AMBIGUOUS_OCI_IMAGE');
    expect(codeOf(() => choosePluginPath(parseOciReference('oci://r.io/img:1'), annotate([])))).toBe('AMBIGUOUS_OCI_IMAGE');
  });

  it('refuses an image whose only listed plugin folder would escape the plugins root', () => {
    expect(codeOf(() => choosePluginPath(parseOciReference('oci://r.io/img:1'), annotate([{ '../../x': {} }])))).toBe('INVALID_OCI_IMAGE');
  });
});
