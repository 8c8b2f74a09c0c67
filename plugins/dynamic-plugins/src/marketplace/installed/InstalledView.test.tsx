import '@testing-library/jest-dom';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { MarketplaceError } from '../api';
import { fakeMarketplace, plugins, renderWith } from '../testing/fakeMarketplace';
import { InstalledView } from './InstalledView';

const todoRow = () => screen.getByRole('row', { name: /@acme\/plugin-todo-backend/ });

describe('InstalledView', () => {
  it('stages enable for a disabled plugin and uninstall for any unlocked one', async () => {
    const onStage = jest.fn(async () => ({}) as never);
    const disabled = plugins.map(p => (p.locked ? p : { ...p, enabled: false, state: 'disabled' }));
    renderWith(<InstalledView plugins={disabled} busy={false} onStage={onStage} />, { marketplace: fakeMarketplace() });
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Enable' }));
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Uninstall' }));
    expect(onStage.mock.calls).toEqual([[{ action: 'enable', package: '@acme/plugin-todo-backend' }], [{ action: 'uninstall', package: '@acme/plugin-todo-backend' }]]);
  });

  it('edits pluginConfig as YAML; a refused save shows the key named and keeps the text', async () => {
    const onStage = jest
      .fn()
      .mockRejectedValueOnce(new MarketplaceError('pluginConfig.todo.pageSize: must be integer', 400, 'InputError'))
      .mockResolvedValueOnce({});
    renderWith(<InstalledView plugins={plugins} busy={false} onStage={onStage} />, { marketplace: fakeMarketplace() });
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Configure' }));
    const dialog = await screen.findByRole('dialog', { name: 'Configure @acme/plugin-todo-backend' });
    const editor = within(dialog).getByRole('textbox', { name: 'pluginConfig (YAML)' });
    expect(editor).toHaveValue('todo:\n  pageSize: 20\n');

    fireEvent.change(editor, { target: { value: 'todo:\n  pageSize: many\n' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('pluginConfig.todo.pageSize: must be integer');
    expect(editor).toHaveValue('todo:\n  pageSize: many\n');
    expect(onStage).toHaveBeenLastCalledWith({ action: 'configure', package: '@acme/plugin-todo-backend', pluginConfig: { todo: { pageSize: 'many' } } });

    fireEvent.change(editor, { target: { value: 'todo:\n  pageSize: 50\n' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(onStage).toHaveBeenLastCalledWith({ action: 'configure', package: '@acme/plugin-todo-backend', pluginConfig: { todo: { pageSize: 50 } } });
  });

  it('refuses YAML that is not a mapping before asking the backend', async () => {
    const onStage = jest.fn();
    renderWith(<InstalledView plugins={plugins} busy={false} onStage={onStage} />, { marketplace: fakeMarketplace() });
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Configure' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: '- a\n- b\n' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('must be a mapping');
    fireEvent.change(within(dialog).getByRole('textbox'), { target: { value: 'a: [' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Not valid YAML');
    expect(onStage).not.toHaveBeenCalled();
  });

  it('upgrades to a version the catalog lists, pinned by its integrity', async () => {
    const marketplace = fakeMarketplace();
    marketplace.listCatalog.mockResolvedValue({
      entries: [
        {
          id: 'todo-backend',
          title: 'Todo backend',
          description: '',
          name: '@acme/plugin-todo-backend',
          kind: 'backend',
          source: 'npm',
          category: 'Quality',
          origin: 'index',
          compatibility: { compatible: true, reason: '' },
          versions: [
            { version: '1.1.0', package: '@acme/plugin-todo-backend@1.1.0', integrity: 'sha512-new' },
            { version: '1.0.0', package: '@acme/plugin-todo-backend@1.0.0', integrity: 'sha512-cur' },
          ],
        },
      ],
      errors: [],
    });
    const onStage = jest.fn(async () => ({}) as never);
    renderWith(<InstalledView plugins={plugins} busy={false} onStage={onStage} />, { marketplace });
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Upgrade' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.click(await within(dialog).findByRole('button', { name: /Version/ }));
    fireEvent.click(await screen.findByRole('option', { name: '1.1.0' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Stage version' }));
    await waitFor(() => expect(onStage).toHaveBeenCalledWith({ action: 'install', package: '@acme/plugin-todo-backend@1.1.0', integrity: 'sha512-new' }));
    expect(marketplace.listCatalog).toHaveBeenCalledWith({ q: '@acme/plugin-todo-backend' });
  });

  it('shows the server refusing a change', async () => {
    const onStage = jest.fn().mockRejectedValue(new MarketplaceError('not allowed to uninstall a YAML entry', 400, 'InputError'));
    renderWith(<InstalledView plugins={plugins} busy={false} onStage={onStage} />, { marketplace: fakeMarketplace() });
    fireEvent.click(within(todoRow()).getByRole('button', { name: 'Uninstall' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('not allowed to uninstall a YAML entry');
  });
});
