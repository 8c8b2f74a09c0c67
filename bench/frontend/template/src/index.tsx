import { createFrontendPlugin, createRouteRef, PageBlueprint } from '@backstage/frontend-plugin-api';

/*
 * A typical small plugin: one page with a sidebar item, its content in a
 * chunk of its own. Not on the home page: what a portal with many plugins
 * pays for them on a page that does not use them is what bench/frontend
 * measures.
 */
const rootRouteRef = createRouteRef();

export function BenchPage() {
  return (
    <div data-testid="benchplugin00-page" style={{ padding: 24 }}>
      <h1>benchplugin00</h1>
      <p>A generated plugin page.</p>
    </div>
  );
}

export default createFrontendPlugin({
  pluginId: 'benchplugin00',
  routes: { root: rootRouteRef },
  extensions: [
    PageBlueprint.make({
      params: {
        path: '/benchplugin00',
        routeRef: rootRouteRef,
        title: 'benchplugin00',
        icon: <span aria-hidden>◆</span>,
        loader: () => import('./Content').then(m => <m.Content />),
      },
    }),
  ],
});
