import { nonNegativeInt, positiveInt } from './wholeNumberFlags';

describe('whole-number flags', () => {
  it('positiveInt takes 1 and more, and names the flag and value otherwise', () => {
    expect(positiveInt('32', '--x')).toBe(32);
    for (const bad of ['0', '-1', '1.5', 'abc', '']) expect(() => positiveInt(bad, '--x')).toThrow(`--x must be a positive whole number, not '${bad}'`);
  });

  it('nonNegativeInt takes 0 and more, and refuses an empty value', () => {
    expect(nonNegativeInt('0', '--max-backend-requests')).toBe(0);
    expect(nonNegativeInt('48', '--max-backend-requests')).toBe(48);
    for (const bad of ['-1', '2.5', 'x', '', ' ']) {
      expect(() => nonNegativeInt(bad, '--max-backend-requests')).toThrow(`--max-backend-requests must be a whole number, 0 or more, not '${bad}'`);
    }
  });
});
