import { describeNpmFailure, nameOf, parseNpmFailure, registryOf, withoutCredentials } from './npmFailure';

// Captured from npm 11.19 (`npm install --loglevel=error`) against a registry
// without the package, and without the version range.
const E404 = `npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/@devportal-nonexistent%2fzzz-common
npm error 404
npm error 404  The requested resource '@devportal-nonexistent/zzz-common@^1.2.0' could not be found or you do not have permission to access it.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T02_37_08_364Z-debug-0.log
`;
const ETARGET = `npm error code ETARGET
npm error notarget No matching version found for @backstage-community/plugin-lighthouse-common@^0.1.0.
npm error notarget In most cases you or one of your dependencies are requesting a package version that doesn't exist.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-12-06T02_37_05_393Z-debug-0.log
`;
// npm 8's wording, from a registry below a path, with credentials in its URL.
const E404_NPM8 = `npm ERR! code E404
npm ERR! 404 Not Found - GET https://ci:s3cret@npm.example.com/repository/npm-group/left-pad-common - Not found
npm ERR! 404
npm ERR! 404  'left-pad-common@^1.0.0' is not in this registry.
`;

describe('npm install failures of an export', () => {
  it('names the missing package with its range, who needs it, and the registry asked (E404)', () => {
    expect(describeNpmFailure(E404, { dependencies: { '@devportal-nonexistent/zzz-common': '^1.2.0' } })).toBe(
      "@devportal-nonexistent/zzz-common@^1.2.0 is not in the registry https://registry.npmjs.org/ (a dependency of the plugin; npm E404). Publish or mirror it there, or point npm at a registry that has it (.npmrc)",
    );
    expect(describeNpmFailure(E404, { dependencies: { 'something-else': '^1.0.0' } })).toMatch(/\(needed by one of its dependencies; npm E404\)/);
  });

  it('names the range npm could not match and the registry npm is configured with for it (ETARGET)', () => {
    const registryFor = jest.fn(() => 'https://mirror.example.com/npm/');
    expect(describeNpmFailure(ETARGET, { dependencies: {}, registryFor })).toBe(
      'the registry https://mirror.example.com/npm/ has no version of @backstage-community/plugin-lighthouse-common@^0.1.0 (needed by one of its dependencies; npm ETARGET). Publish or mirror that version, or point npm at a registry that has it (.npmrc)',
    );
    expect(registryFor).toHaveBeenCalledWith('@backstage-community/plugin-lighthouse-common');
  });

  it("reads npm 8's wording and never prints credentials of the registry URL", () => {
    const message = describeNpmFailure(E404_NPM8, { dependencies: { 'left-pad-common': '^1.0.0' } });
    expect(message).toBe(
      'left-pad-common@^1.0.0 is not in the registry https://npm.example.com/repository/npm-group/ (a dependency of the plugin; npm E404). Publish or mirror it there, or point npm at a registry that has it (.npmrc)',
    );
    expect(message).not.toContain('s3cret');
  });

  it('keeps npm’s first line when the output names no package', () => {
    expect(describeNpmFailure('npm error code E401\nnpm error Unable to authenticate, need: Bearer\n', { dependencies: {} })).toBe('npm error code E401');
  });

  it('parses the parts', () => {
    expect(parseNpmFailure(E404)).toEqual({ code: 'E404', spec: '@devportal-nonexistent/zzz-common@^1.2.0', registry: 'https://registry.npmjs.org/' });
    expect(registryOf('http://127.0.0.1:4873/@acme/plugin-x-common/-/plugin-x-common-1.0.0.tgz')).toBe('http://127.0.0.1:4873/');
    expect(registryOf('http://127.0.0.1:4873/left-pad')).toBe('http://127.0.0.1:4873/');
    expect(withoutCredentials('https://u:p@r.example.com/npm/?token=x')).toBe('https://r.example.com/npm/');
    expect(nameOf('@a/b@^1')).toBe('@a/b');
    expect(nameOf('left-pad@1')).toBe('left-pad');
  });
});
