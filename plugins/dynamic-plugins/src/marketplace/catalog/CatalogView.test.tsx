import '@testing-library/jest-dom';
import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { fakeMarketplace, renderWith } from '../testing/fakeMarketplace';
import { CatalogView } from './CatalogView';

/** Lets the debounce timer and the catalog request it starts finish inside act. */
const settle = () => act(() => new Promise(resolve => setTimeout(resolve, 5)));
const choose = async (select: string, option: string) => {
  fireEvent.click(screen.getByRole('button', { name: new RegExp(select) }));
  fireEvent.click(await screen.findByRole('option', { name: option }));
  await settle();
};
const search = async (text: string) => {
  fireEvent.change(screen.getByRole('searchbox', { name: 'Search plugins' }), { target: { value: text } });
  await settle();
};
const cards = () => within(screen.getByRole('list', { name: 'Catalog entries' })).queryAllByRole('listitem').map(c => c.getAttribute('aria-label'));

function setup(installed: string[] = []) {
  const marketplace = fakeMarketplace();
  const onStage = jest.fn(marketplace.stageChange);
  renderWith(<CatalogView installed={new Set(installed)} busy={false} onStage={onStage} searchDelayMs={0} />, { marketplace });
  return { marketplace, onStage };
}

describe('CatalogView', () => {
  it('lists entries with their compatibility verdict', async () => {
    setup();
    await waitFor(() => expect(cards()).toEqual(['Todo', 'Kubernetes']));
    expect(screen.getByRole('listitem', { name: 'Kubernetes' })).toHaveTextContent('Incompatible');
    expect(screen.getByRole('listitem', { name: 'Todo' })).toHaveTextContent('Compatible');
  });

  it('searches and filters through the API', async () => {
    const { marketplace } = setup();
    await waitFor(() => expect(cards()).toHaveLength(2));
    await search('pods');
    await waitFor(() => expect(cards()).toEqual(['Kubernetes']));
    expect(marketplace.listCatalog).toHaveBeenLastCalledWith({ q: 'pods' });

    await search('');
    await waitFor(() => expect(cards()).toHaveLength(2));
    await choose('Kind', 'frontend');
    await waitFor(() => expect(cards()).toEqual(['Todo']));
    expect(marketplace.listCatalog).toHaveBeenLastCalledWith({ kind: 'frontend' });

    await choose('Kind', 'All kinds');
    await choose('Source', 'oci');
    await waitFor(() => expect(cards()).toEqual(['Kubernetes']));
    await choose('Source', 'All sources');
    await choose('Compatibility', 'Compatible only');
    await waitFor(() => expect(cards()).toEqual(['Todo']));
    expect(marketplace.listCatalog).toHaveBeenLastCalledWith({ compatible: true });
    await choose('Compatibility', 'Any');
    await choose('Category', 'Kubernetes');
    await waitFor(() => expect(cards()).toEqual(['Kubernetes']));
    expect(marketplace.listCatalog).toHaveBeenLastCalledWith({ category: 'Kubernetes' });
  });

  it('shows the detail: sanitized README, verdict and reason, config keys, env vars, wiring, size and pin', async () => {
    setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Details of Todo' }));
    const article = await screen.findByRole('article', { name: 'Todo details' });
    expect(within(article).getByRole('heading', { name: 'Todo', level: 1 })).toBeInTheDocument();
    expect(article.querySelector('script')).toBeNull();
    expect(article.querySelector('[onerror]')).toBeNull();
    expect((window as { hacked?: boolean }).hacked).toBeUndefined();
    expect(within(article).getByRole('region', { name: 'Compatibility' })).toHaveTextContent('Compatible: built against 1.55.0, host is 1.55.0');
    expect(within(article).getByRole('region', { name: 'Required configuration' })).toHaveTextContent('todo.token');
    expect(within(article).getByRole('region', { name: 'Environment variables' })).toHaveTextContent('TODO_TOKEN');
    expect(within(article).getByRole('region', { name: 'Wiring' })).toHaveTextContent('dynamicRoutes');
    expect(screen.getByText('20.0 KiB')).toBeInTheDocument();
    expect(screen.getByText('sha512-abc')).toBeInTheDocument();
  });

  it('asks for consent before the first install of third-party code, then stages the pinned version', async () => {
    const { onStage } = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Details of Todo' }));
    const install = await screen.findByRole('button', { name: 'Install' });
    expect(screen.getByText(/Once applied, it runs with the portal's privileges/)).toBeInTheDocument();
    expect(install).toBeDisabled();
    fireEvent.click(screen.getByRole('checkbox', { name: /I understand/ }));
    await choose('Version', '1.0.0');
    fireEvent.click(install);
    await waitFor(() =>
      expect(onStage).toHaveBeenCalledWith({
        action: 'install',
        package: '@acme/plugin-todo@1.0.0',
        integrity: 'sha512-old',
        pluginConfig: { dynamicPlugins: { frontend: { 'acme.plugin-todo': { dynamicRoutes: [{ path: '/todo' }] } } } },
      }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent('Pinned: sha512-old');
  });

  it('shows the digest that pins an OCI entry, and no consent note for a plugin already installed', async () => {
    setup(['oci://registry.local/kube:1.0!kube']);
    fireEvent.click(await screen.findByRole('button', { name: 'Details of Kubernetes' }));
    expect(await screen.findByText(`sha256:${'a'.repeat(64)}`)).toBeInTheDocument();
    expect(screen.queryByText(/Once applied, it runs with the portal's privileges/)).toBeNull();
    expect(screen.getByRole('region', { name: 'Compatibility' })).toHaveTextContent('Incompatible: built against 1.40.0');
    expect(screen.getByRole('button', { name: 'Install' })).toBeEnabled();
  });

  it('adds a plugin by package name, showing the integrity the backend pinned', async () => {
    const { onStage } = setup();
    await waitFor(() => expect(cards()).toHaveLength(2));
    fireEvent.change(screen.getByRole('textbox', { name: 'Package' }), { target: { value: '@acme/plugin-extra@0.3.0' } });
    const add = screen.getByRole('button', { name: 'Add' });
    expect(add).toBeDisabled();
    fireEvent.click(screen.getByRole('checkbox', { name: /I understand/ }));
    fireEvent.click(add);
    await waitFor(() => expect(onStage).toHaveBeenCalledWith({ action: 'install', package: '@acme/plugin-extra@0.3.0' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Pinned: sha512-fetched');
  });
});
