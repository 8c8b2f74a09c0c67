import '@testing-library/jest-dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { conflict, fakeMarketplace, renderWith } from '../testing/fakeMarketplace';
import { HistoryView } from './HistoryView';

describe('HistoryView', () => {
  it('lists generations newest first with author, state, reason and diff', async () => {
    renderWith(<HistoryView refreshKey={0} busy={false} onRollback={jest.fn()} />, { marketplace: fakeMarketplace() });
    await screen.findByRole('row', { name: /#3/ });
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map(r => within(r).getAllByRole('rowheader')[0].textContent)).toEqual(['#3', '#2', '#1']);
    expect(rows[0]).toHaveTextContent('bob');
    expect(rows[0]).toHaveTextContent('failed');
    expect(rows[0]).toHaveTextContent('integrity mismatch for @acme/x');
    expect(within(rows[1]).getByRole('list', { name: 'Changes in generation 2' })).toHaveTextContent('@acme/plugin-todo-backend: 1.0.0 → 1.1.0');
    expect(rows[2]).toHaveTextContent('+ @acme/plugin-todo-backend (1.0.0)');
  });

  it('rolls back to the generation clicked; the serving one has nothing to roll back to', async () => {
    const onRollback = jest.fn(async () => undefined);
    renderWith(<HistoryView refreshKey={0} busy={false} onRollback={onRollback} />, { marketplace: fakeMarketplace() });
    const first = await screen.findByRole('row', { name: /#1/ });
    expect(within(screen.getByRole('row', { name: /#2/ })).getByRole('button', { name: 'Roll back to this' })).toBeDisabled();
    fireEvent.click(within(first).getByRole('button', { name: 'Roll back to this' }));
    expect(onRollback).toHaveBeenCalledWith(1);
  });

  it('shows why a rollback was refused', async () => {
    renderWith(<HistoryView refreshKey={0} busy={false} onRollback={() => Promise.reject(conflict())} />, { marketplace: fakeMarketplace() });
    fireEvent.click(within(await screen.findByRole('row', { name: /#1/ })).getByRole('button', { name: 'Roll back to this' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('an apply is running');
  });

  it('reads the list again when an apply ends', async () => {
    const marketplace = fakeMarketplace();
    const { rerender } = renderWith(<HistoryView refreshKey={0} busy={false} onRollback={jest.fn()} />, { marketplace });
    await screen.findByRole('row', { name: /#1/ });
    expect(marketplace.listGenerations).toHaveBeenCalledTimes(1);
    rerender(<HistoryView refreshKey={1} busy={false} onRollback={jest.fn()} />);
    await waitFor(() => expect(marketplace.listGenerations).toHaveBeenCalledTimes(2));
  });
});
