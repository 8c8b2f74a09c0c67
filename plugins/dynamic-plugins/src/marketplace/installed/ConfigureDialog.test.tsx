import '@testing-library/jest-dom';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { ManagedPlugin } from '@devportal/plugin-dynamic-plugins-common';
import { MarketplaceError } from '../api';
import { fakeMarketplace, plugins, renderWith } from '../testing/fakeMarketplace';
import { ConfigureDialog } from './ConfigureDialog';

const todo = plugins.find(p => p.key === '@acme/plugin-todo-backend')!;
const portalInfo = plugins.find(p => p.key === '@devportal/plugin-portal-info-backend')!;

function open(plugin: ManagedPlugin = todo, onSave: jest.Mock = jest.fn(async () => ({}))) {
  const marketplace = fakeMarketplace();
  const onClose = jest.fn();
  renderWith(<ConfigureDialog plugin={plugin} onClose={onClose} onSave={onSave} />, { marketplace });
  const dialog = screen.getByRole('dialog', { name: `Configure ${plugin.key}` });
  return { dialog, onSave, onClose, marketplace };
}

/** Opens the Form tab once the schema has arrived. */
async function formView(dialog: HTMLElement) {
  fireEvent.click(within(dialog).getByRole('tab', { name: 'Form' }));
  await within(dialog).findByRole('group', { name: 'todo' });
}

/** NumberField commits its text on blur, as a browser does when focus leaves it. */
function typeNumber(input: HTMLElement, value: string) {
  fireEvent.focus(input);
  fireEvent.change(input, { target: { value } });
  fireEvent.blur(input);
}

describe('ConfigureDialog', () => {
  it('opens on the YAML editor, with the Form one tab away', async () => {
    const { dialog, marketplace } = open();
    expect(within(dialog).getByRole('textbox', { name: 'pluginConfig (YAML)' })).toHaveValue('todo:\n  pageSize: 20\n');
    expect(within(dialog).getByRole('tab', { name: 'YAML' })).toHaveAttribute('aria-selected', 'true');
    await waitFor(() => expect(marketplace.pluginSchema).toHaveBeenCalledWith('@acme/plugin-todo-backend'));
  });

  it('renders the fields the schema describes, labelled by their key path', async () => {
    const { dialog } = open();
    await formView(dialog);
    const group = within(dialog).getByRole('group', { name: 'todo' });
    expect(within(group).getByText('The TODO plugin')).toBeInTheDocument();
    expect(within(group).getByRole('textbox', { name: 'todo.pageSize' })).toHaveValue('20');
    expect(within(group).getByRole('button', { name: /todo\.mode/ })).toBeInTheDocument();
    expect(within(group).getByRole('checkbox', { name: 'todo.showDone' })).not.toBeChecked();
    expect(within(group).getByRole('textbox', { name: 'todo.token' })).toHaveAccessibleDescription(/Secret: only an environment reference such as \$\{TODO_TOKEN\}/);
    expect(within(group).getByRole('group', { name: 'todo.tags' })).toBeInTheDocument();
    const backend = within(group).getByRole('group', { name: 'todo.backend' });
    expect(within(backend).getByRole('textbox', { name: 'todo.backend.baseUrl' })).toHaveAccessibleDescription('Where the TODO service runs');
    expect(within(group).getByText(/edit in YAML \(only lists of text/)).toHaveTextContent('todo.repos');
    expect(within(group).getByText(/edit in YAML \(it is a map of free keys/)).toHaveTextContent('todo.labels');
  });

  it('sends what the form edited on Save', async () => {
    const { dialog, onSave, onClose } = open();
    await formView(dialog);
    typeNumber(within(dialog).getByRole('textbox', { name: 'todo.pageSize' }), '50');
    fireEvent.click(within(dialog).getByRole('button', { name: /todo\.mode/ }));
    fireEvent.click(await screen.findByRole('option', { name: 'strict' }));
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'todo.showDone' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add to todo.tags' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'todo.tags[0]' }), { target: { value: 'backend' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add to todo.tags' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'todo.tags[1]' }), { target: { value: 'gone' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Remove todo.tags[1]' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'todo.backend.baseUrl' }), { target: { value: 'http://todo:8080' } });

    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(onSave).toHaveBeenCalledWith({ todo: { pageSize: 50, mode: 'strict', showDone: true, tags: ['backend'], backend: { baseUrl: 'http://todo:8080' } } });
  });

  it('refuses plain text in a secret field, and accepts a ${VAR} reference', async () => {
    const { dialog, onSave } = open();
    await formView(dialog);
    const token = within(dialog).getByRole('textbox', { name: 'todo.token' });
    fireEvent.change(token, { target: { value: 'hunter2' } });
    expect(token).toHaveAttribute('aria-invalid', 'true');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('todo.token is a secret: write an environment reference such as ${TODO_TOKEN}');
    expect(onSave).not.toHaveBeenCalled();

    fireEvent.change(token, { target: { value: '${TODO_TOKEN}' } });
    expect(token).not.toHaveAttribute('aria-invalid', 'true');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ todo: { pageSize: 20, token: '${TODO_TOKEN}' } }));
  });

  it('keeps the values of keys it leaves to YAML, and says so', async () => {
    const repos = [{ url: 'https://git/a' }];
    const plugin = { ...todo, pluginConfig: { todo: { pageSize: 20, repos, labels: { team: 'a' }, legacy: true } } };
    const { dialog, onSave } = open(plugin);
    await formView(dialog);
    expect(within(dialog).getByText(/edit in YAML \(the schema does not describe this key/)).toHaveTextContent('todo.legacy');
    typeNumber(within(dialog).getByRole('textbox', { name: 'todo.pageSize' }), '10');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(onSave).toHaveBeenCalledWith({ todo: { pageSize: 10, repos, labels: { team: 'a' }, legacy: true } }));
  });

  it('keeps the value when switching views both ways; invalid YAML turns the Form off', async () => {
    const { dialog } = open();
    await formView(dialog);
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'todo.backend.baseUrl' }), { target: { value: 'http://todo' } });
    fireEvent.click(within(dialog).getByRole('tab', { name: 'YAML' }));
    const editor = within(dialog).getByRole('textbox', { name: 'pluginConfig (YAML)' });
    expect(editor).toHaveValue('todo:\n  pageSize: 20\n  backend:\n    baseUrl: http://todo\n');

    fireEvent.change(editor, { target: { value: 'todo:\n  pageSize: 30\n  mode: lenient\n' } });
    await formView(dialog);
    expect(within(dialog).getByRole('textbox', { name: 'todo.pageSize' })).toHaveValue('30');
    expect(within(dialog).queryByRole('textbox', { name: 'todo.backend.baseUrl' })).toHaveValue('');
    expect(within(dialog).getByRole('button', { name: /todo\.mode/ })).toHaveTextContent('lenient');

    fireEvent.click(within(dialog).getByRole('tab', { name: 'YAML' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: 'pluginConfig (YAML)' }), { target: { value: 'todo: [' } });
    const formTab = within(dialog).getByRole('tab', { name: 'Form' });
    expect(formTab).toHaveAttribute('aria-disabled', 'true');
    expect(formTab).toHaveAccessibleDescription(/The Form view is off until the YAML is a valid mapping: Not valid YAML/);
  });

  it("shows the server's refusal and keeps the form as it was", async () => {
    const onSave = jest.fn().mockRejectedValue(new MarketplaceError('@acme/plugin-todo-backend: pluginConfig is invalid: /todo/pageSize must be <= 100', 400, 'InputError'));
    const { dialog } = open(todo, onSave);
    await formView(dialog);
    typeNumber(within(dialog).getByRole('textbox', { name: 'todo.pageSize' }), '500');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('/todo/pageSize must be <= 100');
    expect(within(dialog).getByRole('textbox', { name: 'todo.pageSize' })).toHaveValue('500');
  });

  it('says when the plugin declares no config schema', async () => {
    const { dialog } = open(portalInfo);
    fireEvent.click(within(dialog).getByRole('tab', { name: 'Form' }));
    expect(await within(dialog).findByText('This plugin declares no config schema; edit it as YAML.')).toBeInTheDocument();
    await act(async () => {});
  });
});
