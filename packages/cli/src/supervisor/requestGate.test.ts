import { RequestGate, isUrgent } from './requestGate';

describe('RequestGate', () => {
  afterEach(() => jest.useRealTimers());

  /** Enters `name`; what started is recorded, and `leaves` keeps each started request's leave. */
  function harness(limit: number, longMs = 60_000) {
    const gate = new RequestGate({ limit, longMs });
    const started: string[] = [];
    const leaves = new Map<string, () => void>();
    const enter = (name: string, urgent = false) =>
      gate.enter(urgent, leave => {
        started.push(name);
        leaves.set(name, leave);
      });
    return { gate, started, leaves, enter };
  }

  it('starts requests at once up to the limit, and the rest in the order they came as places free up', () => {
    const { gate, started, leaves, enter } = harness(2);
    for (const name of ['a', 'b', 'c', 'd']) enter(name);
    expect(started).toEqual(['a', 'b']);
    expect(gate.waiting).toBe(2);
    leaves.get('b')!();
    expect(started).toEqual(['a', 'b', 'c']);
    leaves.get('a')!();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
    expect(gate.waiting).toBe(0);
  });

  it('lets urgent requests go before the ones already waiting', () => {
    const { started, leaves, enter } = harness(1);
    enter('a');
    enter('b');
    enter('c');
    enter('sign-in', true);
    leaves.get('a')!();
    expect(started).toEqual(['a', 'sign-in']);
    leaves.get('sign-in')!();
    expect(started).toEqual(['a', 'sign-in', 'b']);
  });

  it('frees a place once however often a request leaves', () => {
    const { started, leaves, enter } = harness(1);
    enter('a');
    enter('b');
    enter('c');
    leaves.get('a')!();
    leaves.get('a')!();
    expect(started).toEqual(['a', 'b']);
  });

  it('skips a request taken out of the queue (its client went away)', () => {
    const { gate, started, leaves, enter } = harness(1);
    enter('a');
    const cancelB = enter('b');
    enter('c');
    cancelB();
    leaves.get('a')!();
    expect(started).toEqual(['a', 'c']);
    expect(gate.waiting).toBe(0);
  });

  it('stops counting a request that runs longer than longMs, so long polls cannot hold every place', () => {
    jest.useFakeTimers();
    const { started, leaves, enter } = harness(1, 2_000);
    enter('long poll');
    enter('b');
    jest.advanceTimersByTime(1_999);
    expect(started).toEqual(['long poll']);
    jest.advanceTimersByTime(1);
    expect(started).toEqual(['long poll', 'b']);
    // Its end later frees nothing more: b still holds the one place.
    enter('c');
    leaves.get('long poll')!();
    expect(started).toEqual(['long poll', 'b']);
    leaves.get('b')!();
    expect(started).toEqual(['long poll', 'b', 'c']);
  });
});

describe('isUrgent', () => {
  it('is sign-in and the Plugins API, nothing else', () => {
    expect(isUrgent('/api/auth/guest/refresh?optional&env=development')).toBe(true);
    expect(isUrgent('/api/dynamic-plugins/apply')).toBe(true);
    expect(isUrgent('/api/catalog/entities')).toBe(false);
    expect(isUrgent('/api/authx/thing')).toBe(false);
    expect(isUrgent('/static/main.js')).toBe(false);
    expect(isUrgent(undefined)).toBe(false);
  });
});
