import { displayName, greetingFor } from './HomePage';

describe('greeting', () => {
  it('greets by the time of day', () => {
    expect(greetingFor(8)).toBe('Good morning');
    expect(greetingFor(14)).toBe('Good afternoon');
    expect(greetingFor(21)).toBe('Good evening');
    expect(greetingFor(2)).toBe('Good evening');
  });

  it('uses the display name, else the name in the entity ref', async () => {
    const identity = (displayName?: string) => ({
      getProfileInfo: async () => ({ displayName }),
      getBackstageIdentity: async () => ({ userEntityRef: 'user:default/guest' }),
    });
    await expect(displayName(identity('Ada Lovelace'))).resolves.toBe('Ada Lovelace');
    await expect(displayName(identity())).resolves.toBe('Guest');
  });
});
