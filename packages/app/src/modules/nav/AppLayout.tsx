import { SidebarPage } from '@backstage/core-components';
import {
  coreExtensionData,
  createExtension,
  createExtensionInput,
} from '@backstage/frontend-plugin-api';
import { createContext } from 'react';
import { FailurePanel } from '@devportal/plugin-dynamic-plugins';

/** Whether a header plugin is mounted: the sidebar then leaves the logo to it. */
export const HeaderPresentContext = createContext(false);

/**
 * Replaces Backstage's `app/layout` to add a `header` slot above the
 * content. The header itself is a plugin (the bundled dynamic `header`
 * plugin attaches here); without one the layout is Backstage's own. Dynamic
 * plugins that failed to load are named above the content.
 */
export const appLayout = createExtension({
  name: 'layout',
  attachTo: { id: 'app/root', input: 'children' },
  inputs: {
    nav: createExtensionInput([coreExtensionData.reactElement], {
      singleton: true,
    }),
    content: createExtensionInput([coreExtensionData.reactElement], {
      singleton: true,
    }),
    header: createExtensionInput([coreExtensionData.reactElement], {
      singleton: true,
      optional: true,
    }),
  },
  output: [coreExtensionData.reactElement],
  factory: ({ inputs }) => [
    coreExtensionData.reactElement(
      <HeaderPresentContext.Provider value={!!inputs.header}>
        <SidebarPage>
          {inputs.nav.get(coreExtensionData.reactElement)}
          <div
            style={{
              display: 'flex',
              flexDirection: 'column',
              minHeight: '100vh',
              width: '100%',
              minWidth: 0,
            }}
          >
            {inputs.header?.get(coreExtensionData.reactElement)}
            <div style={{ padding: '0 24px' }}>
              <FailurePanel />
            </div>
            <div style={{ flex: 1, minWidth: 0 }}>
              {inputs.content.get(coreExtensionData.reactElement)}
            </div>
          </div>
        </SidebarPage>
      </HeaderPresentContext.Provider>,
    ),
  ],
});
