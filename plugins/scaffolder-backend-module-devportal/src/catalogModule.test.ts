import catalogPlugin from '@backstage/plugin-catalog-backend';
import {
  createMockDirectory,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogLocationsExtensionPoint } from '@backstage/plugin-catalog-node';
import {
  TemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import { AddressInfo } from 'node:net';
import { catalogModuleDevportalLocationTypes } from './catalogModule';
import { scaffolderModuleDevportal } from './module';
import { mockActionContext } from './testUtils/mockActionContext';

describe('catalogModuleDevportalLocationTypes', () => {
  it('allows url and file locations by default', async () => {
    const setAllowedLocationTypes = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [catalogLocationsExtensionPoint, { setAllowedLocationTypes }],
      ],
      features: [catalogModuleDevportalLocationTypes],
    });

    expect(setAllowedLocationTypes).toHaveBeenCalledWith(['url', 'file']);
  });

  it('sets the types from devportal.catalog.allowedLocationTypes', async () => {
    const setAllowedLocationTypes = jest.fn();
    await startTestBackend({
      extensionPoints: [
        [catalogLocationsExtensionPoint, { setAllowedLocationTypes }],
      ],
      features: [
        catalogModuleDevportalLocationTypes,
        mockServices.rootConfig.factory({
          data: {
            devportal: {
              catalog: { allowedLocationTypes: ['url', 'file', 'x'] },
            },
          },
        }),
      ],
    });

    expect(setAllowedLocationTypes).toHaveBeenCalledWith(['url', 'file', 'x']);
  });
});

// Runs the two actions against the real catalog backend (SQLite in memory),
// reached over HTTP through the default catalog service, as in production.
describe('publishing and registering against the real catalog backend', () => {
  jest.setTimeout(60_000);
  const dir = createMockDirectory();

  beforeEach(() => {
    dir.setContent({
      workspace: {
        'catalog-info.yaml': [
          'apiVersion: backstage.io/v1alpha1',
          'kind: Component',
          'metadata:',
          '  name: svc',
          'spec:',
          '  type: service',
          '  lifecycle: experimental',
          '  owner: group:default/team-web',
          '',
        ].join('\n'),
      },
    });
  });

  async function start(withLocationTypesModule: boolean) {
    const actions: TemplateAction<any, any, any>[] = [];
    const backend = await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...added) => actions.push(...added) },
        ],
      ],
      features: [
        catalogPlugin,
        scaffolderModuleDevportal,
        ...(withLocationTypesModule
          ? [catalogModuleDevportalLocationTypes]
          : []),
        mockServices.rootConfig.factory({
          data: {
            devportal: {
              scaffolder: {
                localPublish: { directory: dir.resolve('published') },
              },
            },
          },
        }),
      ],
    });
    const { port } = backend.server.address() as AddressInfo;
    const action = (id: string) => actions.find(a => a.id === id)!;
    return { backend, baseUrl: `http://localhost:${port}/api/catalog`, action };
  }

  async function publishAndRegister(
    action: (id: string) => TemplateAction<any, any, any>,
  ) {
    const publish = mockActionContext({
      input: { name: 'svc' },
      workspacePath: dir.resolve('workspace'),
    });
    await action('devportal:publish:local').handler(publish);
    const register = mockActionContext({
      input: { catalogInfoPath: publish.outputs.catalogInfoPath },
      workspacePath: dir.resolve('workspace'),
      credentials: mockCredentials.user('user:default/guest'),
    });
    await action('devportal:catalog:register-file').handler(register);
    return register;
  }

  it('rejects file locations when only the catalog default (url) is allowed', async () => {
    const { backend, action } = await start(false);
    try {
      await expect(publishAndRegister(action)).rejects.toMatchObject({
        name: 'InputError',
        message: expect.stringContaining(
          'Registered locations must be of an allowed type ["url"]',
        ),
      });
    } finally {
      await backend.stop();
    }
  });

  it('registers the published file and the catalog ingests its entity once file locations are allowed', async () => {
    const { backend, baseUrl, action } = await start(true);
    try {
      const register = await publishAndRegister(action);
      const target = register.outputs.catalogInfoPath as string;

      expect(register.outputs.entityRef).toBe('component:default/svc');

      const locations = await fetch(`${baseUrl}/locations`).then(r => r.json());
      expect(locations).toEqual(
        expect.arrayContaining([
          { data: expect.objectContaining({ type: 'file', target }) },
        ]),
      );

      let entity: any;
      for (let i = 0; i < 40 && !entity; i++) {
        const res = await fetch(
          `${baseUrl}/entities/by-name/component/default/svc`,
        );
        if (res.ok) {
          entity = await res.json();
        } else {
          await new Promise(resolve => setTimeout(resolve, 500));
        }
      }
      expect(
        entity?.metadata.annotations['backstage.io/managed-by-location'],
      ).toBe(`file:${target}`);

      // Publishing the same name again is refused...
      await expect(publishAndRegister(action)).rejects.toMatchObject({
        name: 'ConflictError',
      });
      // ...while registering the already registered file again refreshes it.
      const again = mockActionContext({
        input: { catalogInfoPath: target },
        workspacePath: dir.resolve('workspace'),
      });
      await action('devportal:catalog:register-file').handler(again);
      expect(again.outputs.entityRef).toBe('component:default/svc');
    } finally {
      await backend.stop();
    }
  });
});
