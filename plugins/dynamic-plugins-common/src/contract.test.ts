import {
  APP_SHARED_PACKAGES,
  isBackendRole,
  isExtensionManifest,
  isFrontendRemote,
  isFrontendRole,
  parseInstallState,
  remoteAssetsPath,
  REMOTES_LIST_PATH,
  sourceLabel,
  withoutGenerationListen,
} from './index';

describe('parseInstallState', () => {
  it('reads a version 1 state and fills what an older installer left out', () => {
    const state = parseInstallState(JSON.stringify({ version: 1, plugins: { a: { folder: 'a' } } }));
    expect(state).toMatchObject({ version: 1, plugins: { a: { folder: 'a' } }, disabled: [], files: [], warnings: [] });
  });

  it.each([
    ['truncated JSON', '{"version": 1, "plugins": {'],
    ['another version', '{"version": 2, "plugins": {}}'],
    ['plugins as a list', '{"version": 1, "plugins": []}'],
    ['disabled as an object', '{"version": 1, "disabled": {}}'],
    ['not an object', '"1"'],
    ['null', 'null'],
  ])('treats %s as no state', (_what, text) => expect(parseInstallState(text)).toBeUndefined());
});

describe('roles and sources', () => {
  it('tells backend from frontend roles', () => {
    expect(['backend-plugin', 'backend-plugin-module'].every(isBackendRole)).toBe(true);
    expect(['frontend-plugin', 'frontend-plugin-module'].every(isFrontendRole)).toBe(true);
    expect([isBackendRole('frontend-plugin'), isFrontendRole('backend-plugin'), isBackendRole(undefined), isBackendRole('node-library')]).toEqual([false, false, false, false]);
  });

  it("shows the installer's local source as bundled", () => {
    expect([sourceLabel('local'), sourceLabel('npm'), sourceLabel('oci'), sourceLabel('ftp'), sourceLabel(undefined)]).toEqual(['bundled', 'npm', 'oci', 'unknown', 'unknown']);
  });
});

describe('remotes', () => {
  it("serves a remote's files under its encoded package name", () => {
    expect(REMOTES_LIST_PATH).toBe('/.backstage/dynamic-features/remotes');
    expect(remoteAssetsPath('@acme/plugin-x')).toBe('/.backstage/dynamic-features/remotes/%40acme%2Fplugin-x');
  });

  it('keeps only list entries with the fields every loader needs', () => {
    expect(isFrontendRemote({ packageName: 'a', remoteInfo: { name: 'a', entry: 'http://x/a.js' }, exposedModules: ['.'] })).toBe(true);
    expect(isFrontendRemote({ packageName: 'a', remoteInfo: { name: 'a' }, exposedModules: ['.'] })).toBe(false);
    expect(isFrontendRemote(null)).toBe(false);
  });
});

describe('isExtensionManifest', () => {
  it('accepts version 1 manifests that describe extensions or API factories', () => {
    expect(isExtensionManifest({ version: 1, extensions: [] })).toBe(true);
    expect(isExtensionManifest({ version: 1, feature: 'legacy', apiFactories: {} })).toBe(true);
    expect(isExtensionManifest({ version: 2, extensions: [] })).toBe(false);
    expect(isExtensionManifest({ version: 1 })).toBe(false);
  });
});

describe('APP_SHARED_PACKAGES', () => {
  it('lists each package once', () => expect(new Set(APP_SHARED_PACKAGES).size).toBe(APP_SHARED_PACKAGES.length));
});

describe('withoutGenerationListen', () => {
  it('drops backend.listen and keeps everything else, without changing its input', () => {
    const data = { app: { title: 'x' }, backend: { baseUrl: 'http://localhost:7007', listen: { port: 7101, host: '127.0.0.1' } } };
    expect(withoutGenerationListen(data)).toEqual({ app: { title: 'x' }, backend: { baseUrl: 'http://localhost:7007' } });
    expect(data.backend.listen.port).toBe(7101);
  });

  it('returns a config without backend.listen as it is', () => {
    const data = { app: { title: 'x' }, backend: { baseUrl: 'http://localhost:7007' } };
    expect(withoutGenerationListen(data)).toBe(data);
    expect(withoutGenerationListen({})).toEqual({});
  });
});
