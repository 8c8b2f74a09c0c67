import '@testing-library/jest-dom';
import { APPLY_SIGNAL_CHANNEL } from '@devportal/plugin-dynamic-plugins-common';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { PluginsPage } from './PluginsPage';
import { conflict, fakeMarketplace, fakeSignals, renderWith } from './testing/fakeMarketplace';

const timing = { pollMs: 20, silenceMs: 60_000 };
const row = (name: RegExp) => screen.getByRole('row', { name });

describe('PluginsPage', () => {
  it('shows a non-admin "not allowed" and never asks for the data', async () => {
    const marketplace = fakeMarketplace({ isAdmin: false });
    renderWith(<PluginsPage timing={timing} />, { marketplace });
    expect(await screen.findByRole('alert')).toHaveTextContent(/not allowed/i);
    expect(screen.queryByRole('tab', { name: 'Installed' })).toBeNull();
    expect(marketplace.listPlugins).not.toHaveBeenCalled();
    expect(marketplace.listCatalog).not.toHaveBeenCalled();
    expect(marketplace.listGenerations).not.toHaveBeenCalled();
  });

  it('treats a 403 from the API as not allowed', async () => {
    const marketplace = fakeMarketplace();
    const { MarketplaceError } = jest.requireActual('./api');
    marketplace.listPlugins.mockRejectedValue(new MarketplaceError('no', 403, 'NotAllowedError'));
    renderWith(<PluginsPage timing={timing} />, { marketplace });
    expect(await screen.findByRole('alert')).toHaveTextContent(/not allowed/i);
  });

  it('lists installed plugins with state, reason, origin, init time and last change', async () => {
    renderWith(<PluginsPage timing={timing} />, { marketplace: fakeMarketplace() });
    for (const name of ['Installed', 'Catalog', 'History']) expect(await screen.findByRole('tab', { name })).toBeInTheDocument();
    const todo = await screen.findByRole('row', { name: /@acme\/plugin-todo-backend/ });
    expect(todo).toHaveTextContent('failed');
    expect(todo).toHaveTextContent('init did not finish within 30000 ms');
    expect(todo).toHaveTextContent('marketplace');
    expect(todo).toHaveTextContent('30000 ms');
    expect(todo).toHaveTextContent(/ada,/);
    expect(row(/portal-info-backend/)).toHaveTextContent('YAML');
  });

  it('disables every action of a locked entry and says why', async () => {
    renderWith(<PluginsPage timing={timing} />, { marketplace: fakeMarketplace() });
    const locked = await screen.findByRole('row', { name: /portal-info-backend/ });
    for (const name of ['Disable', 'Configure', 'Upgrade', 'Uninstall']) {
      const button = within(locked).getByRole('button', { name });
      expect(button).toBeDisabled();
      expect(button).toHaveAccessibleDescription(/Locked in dynamic-plugins.yaml/);
    }
    expect(within(row(/plugin-todo-backend/)).getByRole('button', { name: 'Disable' })).toBeEnabled();
  });

  it('stages a disable, shows it as pending, and discards it', async () => {
    const marketplace = fakeMarketplace();
    renderWith(<PluginsPage timing={timing} />, { marketplace });
    const todo = await screen.findByRole('row', { name: /@acme\/plugin-todo-backend/ });
    fireEvent.click(within(todo).getByRole('button', { name: 'Disable' }));
    expect(marketplace.stageChange).toHaveBeenCalledWith({ action: 'disable', package: '@acme/plugin-todo-backend' });
    const pendingBar = await screen.findByRole('region', { name: 'Pending changes' });
    expect(pendingBar).toHaveTextContent('disable @acme/plugin-todo-backend');
    fireEvent.click(within(pendingBar).getByRole('button', { name: 'Discard disable @acme/plugin-todo-backend' }));
    await waitFor(() => expect(screen.queryByRole('region', { name: 'Pending changes' })).toBeNull());
    expect(marketplace.discardChange).toHaveBeenCalledWith(1);
  });

  it('shows "an apply is running" when Apply gets a 409, and keeps the pending changes', async () => {
    const marketplace = fakeMarketplace();
    marketplace.apply.mockRejectedValue(conflict());
    renderWith(<PluginsPage timing={timing} />, { marketplace });
    fireEvent.click(within(await screen.findByRole('row', { name: /plugin-todo-backend/ })).getByRole('button', { name: 'Uninstall' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Apply' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('an apply is running (generation 3)');
    expect(screen.getByRole('region', { name: 'Pending changes' })).toHaveTextContent('uninstall @acme/plugin-todo-backend');
  });

  it('shows the stages of an apply as signals push them, then reloads the lists', async () => {
    const marketplace = fakeMarketplace();
    const signals = fakeSignals();
    renderWith(<PluginsPage timing={timing} />, { marketplace, signals });
    fireEvent.click(within(await screen.findByRole('row', { name: /plugin-todo-backend/ })).getByRole('button', { name: 'Disable' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Apply' }));
    expect(await screen.findByText('Applying generation 4')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Apply' })).toBeDisabled();

    act(() => signals.push(APPLY_SIGNAL_CHANNEL, { generation: 4, stage: 'download', state: 'applying', message: 'fetching @acme/x' }));
    const stages = screen.getByRole('list', { name: 'Apply stages' });
    expect(within(stages).getByLabelText('resolve: done')).toBeInTheDocument();
    expect(within(stages).getByLabelText('download: running')).toBeInTheDocument();
    expect(within(stages).getByLabelText('verify: waiting')).toBeInTheDocument();
    expect(screen.getByText('fetching @acme/x')).toBeInTheDocument();

    // Another apply's progress is not this one's.
    act(() => signals.push(APPLY_SIGNAL_CHANNEL, { generation: 9, stage: 'healthy', state: 'serving' }));
    expect(screen.getByText('Applying generation 4')).toBeInTheDocument();

    const loads = marketplace.listPlugins.mock.calls.length;
    act(() => signals.push(APPLY_SIGNAL_CHANNEL, { generation: 4, stage: 'healthy', state: 'serving' }));
    expect(await screen.findByText('Generation 4 is serving')).toBeInTheDocument();
    await waitFor(() => expect(marketplace.listPlugins.mock.calls.length).toBeGreaterThan(loads));
    expect(marketplace.getGeneration).not.toHaveBeenCalled();
  });

  it('re-fetches the generation when there are no signals, and shows why it failed', async () => {
    const marketplace = fakeMarketplace();
    let polls = 0;
    marketplace.getGeneration.mockImplementation(async (id: number) => ({
      id,
      author: 'user:default/ada',
      createdAt: '',
      diff: [],
      layer: [],
      ...(++polls < 2 ? { state: 'applying' as const, stage: 'verify' as const } : { state: 'failed' as const, stage: 'verify' as const, reason: 'integrity mismatch' }),
    }));
    renderWith(<PluginsPage timing={timing} />, { marketplace });
    fireEvent.click(within(await screen.findByRole('row', { name: /plugin-todo-backend/ })).getByRole('button', { name: 'Disable' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Apply' }));
    expect(await screen.findByText(/Generation 4 failed; the previous generation keeps running/)).toBeInTheDocument();
    expect(screen.getByLabelText('verify: failed')).toBeInTheDocument();
    expect(screen.getByText('integrity mismatch')).toBeInTheDocument();
    expect(marketplace.getGeneration).toHaveBeenCalledWith(4);
  });

  it('follows an apply that was already running when the page opened', async () => {
    const marketplace = fakeMarketplace();
    marketplace.listPlugins.mockResolvedValue({
      plugins: [],
      pending: [],
      applying: { id: 8, state: 'applying', stage: 'extract', author: 'user:default/bob', createdAt: '', diff: [] },
    } as never);
    renderWith(<PluginsPage timing={timing} />, { marketplace, signals: fakeSignals() });
    expect(await screen.findByText('Applying generation 8')).toBeInTheDocument();
    expect(screen.getByLabelText('extract: running')).toBeInTheDocument();
  });
});
