import {
  coreExtensionData,
  createExtension,
  createExtensionInput,
  createFrontendPlugin,
} from '@backstage/frontend-plugin-api';
import { lazy, Suspense } from 'react';

const Header = lazy(() => import('./Header').then(m => ({ default: m.Header })));

/** The header bar; `widgets` is the mount point for other plugins' widgets. */
export const appHeader = createExtension({
  kind: 'app-header',
  attachTo: { id: 'app/layout', input: 'header' },
  inputs: {
    widgets: createExtensionInput([coreExtensionData.reactElement]),
  },
  output: [coreExtensionData.reactElement],
  factory: ({ inputs, node }) => {
    const widgets = inputs.widgets.map(w => ({ id: w.node.spec.id, element: w.get(coreExtensionData.reactElement) }));
    return [
      coreExtensionData.reactElement(
        <Suspense fallback={<div style={{ height: 56 }} data-testid="devportal-header-loading" />}>
          <Header widgets={widgets} ownerId={node.spec.id} />
        </Suspense>,
      ),
    ];
  },
});

export const headerPlugin = createFrontendPlugin({
  pluginId: 'header',
  extensions: [appHeader],
});
