import { byPriorityThenTitle, MenuOrder } from './menuOrder';

describe('MenuOrder', () => {
  it('keeps each instance its own placements and groups', () => {
    const one = new MenuOrder();
    const two = new MenuOrder();
    one.placeItem('page:a', { priority: 3, parent: 'g' });
    one.addGroup({ name: 'g', title: 'Group' });
    expect(one.placement('page:a')).toEqual({ priority: 3, parent: 'g' });
    expect(one.group('g')?.title).toBe('Group');
    expect(two.placement('page:a')).toBeUndefined();
    expect(two.group('g')).toBeUndefined();
  });

  it('keeps the first group of a name', () => {
    const order = new MenuOrder();
    order.addGroup({ name: 'g', title: 'First' });
    order.addGroup({ name: 'g', title: 'Second' });
    expect(order.group('g')?.title).toBe('First');
  });
});

describe('byPriorityThenTitle', () => {
  it('puts higher priority first, unset as 0, then orders by title', () => {
    const items = [{ t: 'b' }, { t: 'a' }, { t: 'low', p: -1 }, { t: 'top', p: 10 }];
    expect(byPriorityThenTitle(items, i => i.p, i => i.t).map(i => i.t)).toEqual(['top', 'a', 'b', 'low']);
  });
});
