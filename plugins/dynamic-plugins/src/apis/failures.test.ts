import { PluginFailures } from './failures';

describe('PluginFailures', () => {
  beforeEach(() => jest.spyOn(console, 'error').mockImplementation(() => {}));

  it('keeps each instance its own failures', () => {
    const one = new PluginFailures();
    const two = new PluginFailures();
    one.record({ packageName: 'a', message: 'broken' });
    expect(one.list()).toEqual([{ packageName: 'a', message: 'broken' }]);
    expect(two.list()).toEqual([]);
  });

  it('tells subscribers of each failure and gives a new list only when one is recorded', () => {
    const failures = new PluginFailures();
    const listener = jest.fn();
    const unsubscribe = failures.subscribe(listener);
    const before = failures.list();
    expect(failures.list()).toBe(before);
    failures.record({ packageName: 'a', message: 'broken' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(failures.list()).not.toBe(before);
    unsubscribe();
    failures.record({ packageName: 'b', message: 'broken too' });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(failures.list().map(f => f.packageName)).toEqual(['a', 'b']);
  });
});
