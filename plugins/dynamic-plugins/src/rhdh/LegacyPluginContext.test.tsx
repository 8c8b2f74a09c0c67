import { createRouteRef, createSubRouteRef, useRouteRef } from '@backstage/core-plugin-api';
import { routeResolutionApiRef, type ApiHolder } from '@backstage/frontend-plugin-api';
import { render, screen } from '@testing-library/react';
import { Component, type ReactNode } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { ApiHolderProvider } from '../nfs/routeAliases';
import { LegacyPluginContext } from './LegacyPluginContext';

// A legacy plugin's routes as GitHub Actions declares them: the mount point
// of its routable extension and a sub route below it.
const rootRouteRef = createRouteRef({ id: 'demo-root' });
const buildRouteRef = createSubRouteRef({ id: 'demo-build', parent: rootRouteRef, path: '/:id' });

/** What `createRoutableExtension`'s wrapper does first (useRouteRef of its mount point), then a link below it. */
function RoutableContent() {
  const root = useRouteRef(rootRouteRef);
  const build = useRouteRef(buildRouteRef);
  return <span data-testid="paths">{`${root()} ${build({ id: '42' })}`}</span>;
}

class Boundary extends Component<{ children: ReactNode }, { error?: Error }> {
  state: { error?: Error } = {};
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    return this.state.error ? <span data-testid="error">{this.state.error.message}</span> : this.props.children;
  }
}

/** The app's route resolution knows nothing of code loaded after it was assembled. */
const appHolder: ApiHolder = {
  get: ref => (ref.id === routeResolutionApiRef.id ? ({ resolve: () => undefined } as never) : undefined),
};

/** Renders `element` as the content of an entity tab (`ci/*` below the entity page's route), at a path below the tab. */
function renderInEntityTab(element: ReactNode) {
  render(
    <ApiHolderProvider holder={appHolder}>
      <MemoryRouter initialEntries={['/catalog/default/component/x/ci/runs']}>
        <Routes>
          <Route path="/catalog/:namespace/:kind/:name/*" element={<Routes><Route path="ci/*" element={<Boundary>{element}</Boundary>} /></Routes>} />
        </Routes>
      </MemoryRouter>
    </ApiHolderProvider>,
  );
}

describe('LegacyPluginContext', () => {
  it('without it, a mount point outside a dynamic route has no path (the crash legacy entity tab content hit)', () => {
    jest.spyOn(console, 'error').mockImplementation(() => {});
    renderInEntityTab(<RoutableContent />);
    expect(screen.getByTestId('error').textContent).toBe('No path for routeRef{type=absolute,id=demo-root}');
  });

  it('mounts a routable extension placed by a mount point at the route it renders in, and its sub routes below', () => {
    renderInEntityTab(
      <LegacyPluginContext apiFactories={[]} mountPoint={rootRouteRef}>
        <RoutableContent />
      </LegacyPluginContext>,
    );
    expect(screen.getByTestId('paths').textContent).toBe('/catalog/default/component/x/ci /catalog/default/component/x/ci/42');
  });

  it('mounts it at the dynamic route path when one is given', () => {
    renderInEntityTab(
      <LegacyPluginContext apiFactories={[]} mountPoint={rootRouteRef} path="/demo">
        <RoutableContent />
      </LegacyPluginContext>,
    );
    expect(screen.getByTestId('paths').textContent).toBe('/demo /demo/42');
  });
});
