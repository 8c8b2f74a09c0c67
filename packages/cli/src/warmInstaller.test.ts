import { PassThrough } from 'node:stream';
import { isWarmInstaller, warmArguments } from './warmInstaller';

// The real preload imports the installer with import(), which jest's CommonJS runtime refuses; a warm start in a real process is covered by e2e/integration/marketplace.test.ts.
const preloaded = jest.fn(async () => {});

describe('warm installer', () => {
  it('is on only when the marketplace says so', () => {
    expect([isWarmInstaller({ DEVPORTAL_WARM_INSTALLER: '1' }), isWarmInstaller({}), isWarmInstaller({ DEVPORTAL_WARM_INSTALLER: 'yes' })]).toEqual([true, false, false]);
  });

  it('loads the install modules first, then takes its arguments from the first line of its input', async () => {
    const input = new PassThrough();
    const args = warmArguments(input, preloaded);
    await new Promise(resolve => setImmediate(resolve));
    expect(preloaded).toHaveBeenCalled();
    input.write('["plugins","install",');
    input.write('"--root","/r"]\n["ignored"]\n');
    await expect(args).resolves.toEqual(['plugins', 'install', '--root', '/r']);
  });

  it('has nothing to do when its input ends without a line (the backend went away)', async () => {
    const input = new PassThrough();
    const args = warmArguments(input, preloaded);
    input.end();
    await expect(args).resolves.toBeUndefined();
  });

  it('refuses arguments that are not a JSON array of strings', async () => {
    const input = new PassThrough();
    const args = warmArguments(input, preloaded);
    input.end('{"plugins":1}\n');
    await expect(args).rejects.toThrow('a JSON array of strings');
  });
});
