import { ConfigReader } from '@backstage/config';
import {
  readAllowedLocationTypes,
  readDevportalScaffolderOptions,
} from './options';

describe('readDevportalScaffolderOptions', () => {
  it('defaults to .devportal/data/generated below the working directory, which is also the only folder files may be registered from', () => {
    expect(
      readDevportalScaffolderOptions(new ConfigReader({}), '/srv/portal'),
    ).toEqual({
      localPublishDirectory: '/srv/portal/.devportal/data/generated',
      registerFileAllowedDirectories: ['/srv/portal/.devportal/data/generated'],
      registerFileCredentials: 'initiator',
    });
  });

  it('resolves configured relative folders against the working directory and adds the extra allowed folders', () => {
    const config = new ConfigReader({
      devportal: {
        scaffolder: {
          localPublish: { directory: 'out' },
          registerFile: {
            allowedDirectories: ['/data/catalog', 'out', 'more'],
            credentials: 'service',
          },
        },
      },
    });
    expect(readDevportalScaffolderOptions(config, '/srv/portal')).toEqual({
      localPublishDirectory: '/srv/portal/out',
      registerFileAllowedDirectories: [
        '/srv/portal/out',
        '/data/catalog',
        '/srv/portal/more',
      ],
      registerFileCredentials: 'service',
    });
  });

  it('refuses an unknown credentials setting instead of silently using one', () => {
    const config = new ConfigReader({
      devportal: { scaffolder: { registerFile: { credentials: 'root' } } },
    });
    expect(() => readDevportalScaffolderOptions(config, '/srv/portal')).toThrow(
      "devportal.scaffolder.registerFile.credentials must be 'initiator' or 'service', got 'root'",
    );
  });
});

describe('readAllowedLocationTypes', () => {
  it('allows url and file locations by default', () => {
    expect(readAllowedLocationTypes(new ConfigReader({}))).toEqual([
      'url',
      'file',
    ]);
  });

  it('uses devportal.catalog.allowedLocationTypes when set', () => {
    const config = new ConfigReader({
      devportal: { catalog: { allowedLocationTypes: ['url'] } },
    });
    expect(readAllowedLocationTypes(config)).toEqual(['url']);
  });
});
