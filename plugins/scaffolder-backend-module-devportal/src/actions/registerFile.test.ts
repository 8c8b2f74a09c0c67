import {
  createMockDirectory,
  mockCredentials,
  mockServices,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { ConflictError, ResponseError } from '@backstage/errors';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import fs from 'node:fs';
import path from 'node:path';
import { createRegisterFileAction } from './registerFile';
import { mockActionContext } from '../testUtils/mockActionContext';

const locationEntity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Location',
  metadata: { name: 'generated-0123456789abcdef' },
};
const component: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'my-service', namespace: 'default' },
};
const api: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'API',
  metadata: { name: 'my-api', namespace: 'default' },
};

describe('devportal:catalog:register-file', () => {
  const root = createMockDirectory();
  const allowedDir = path.join(root.path, 'generated');
  const descriptor = path.join(allowedDir, 'my-service', 'catalog-info.yaml');
  const credentials = mockCredentials.user('user:default/jane');

  function setup(entities: Entity[] = [locationEntity, api, component]) {
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async request => ({
        location: {
          id: 'loc-1',
          type: 'file',
          target: request.target,
          entityRef: 'location:default/generated-0123456789abcdef',
        },
        entities: request.dryRun ? entities : [],
      })),
    });
    const action = createRegisterFileAction({
      catalog,
      allowedDirectories: [allowedDir],
      workingDirectory: root.path,
    });
    return { catalog, action };
  }

  beforeEach(() => {
    root.setContent({
      generated: { 'my-service': { 'catalog-info.yaml': 'kind: Component\n' } },
      elsewhere: { 'secret.yaml': 'kind: Component\n' },
    });
  });

  it('registers the file as a file location with the initiator credentials and outputs the Component ref', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor },
      workspacePath: root.path,
      credentials,
    });

    await action.handler(ctx);

    const realDescriptor = fs.realpathSync(descriptor);
    expect(catalog.addLocation).toHaveBeenNthCalledWith(
      1,
      { type: 'file', target: realDescriptor, onConflict: 'refresh' },
      { credentials },
    );
    expect(catalog.addLocation).toHaveBeenNthCalledWith(
      2,
      { type: 'file', target: realDescriptor, dryRun: true },
      { credentials },
    );
    expect(ctx.outputs).toEqual({
      entityRef: 'component:default/my-service',
      catalogInfoPath: realDescriptor,
    });
  });

  it("registers with the scaffolder's service credentials, not the user's, when configured so", async () => {
    const serviceCredentials = mockCredentials.service('plugin:scaffolder');
    const auth = mockServices.auth.mock({
      getOwnServiceCredentials: jest.fn(async () => serviceCredentials),
    });
    const catalog = catalogServiceMock.mock({
      addLocation: jest.fn(async request => ({
        location: {
          id: 'loc-1',
          type: 'file',
          target: request.target,
          entityRef: 'location:default/generated-0123456789abcdef',
        },
        entities: request.dryRun ? [component] : [],
      })),
    });
    const action = createRegisterFileAction({
      catalog,
      auth,
      credentials: 'service',
      allowedDirectories: [allowedDir],
    });
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor },
      workspacePath: root.path,
      credentials,
    });

    await action.handler(ctx);

    expect(catalog.addLocation).toHaveBeenCalledTimes(2);
    for (const [, options] of catalog.addLocation.mock.calls) {
      expect(options).toEqual({ credentials: serviceCredentials });
    }
    expect(ctx.outputs.entityRef).toBe('component:default/my-service');
  });

  it('refuses to be created for service credentials without the auth service', () => {
    expect(() =>
      createRegisterFileAction({
        catalog: catalogServiceMock.mock(),
        credentials: 'service',
        allowedDirectories: [allowedDir],
      }),
    ).toThrow('service credentials need the auth service');
  });

  it('outputs the first entity that is not the generated Location when there is no Component', async () => {
    const { action } = setup([locationEntity, api]);
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor },
      workspacePath: root.path,
    });

    await action.handler(ctx);

    expect(ctx.outputs.entityRef).toBe('api:default/my-api');
  });

  it('resolves a relative path against the working directory', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: 'generated/my-service/catalog-info.yaml' },
      workspacePath: root.path,
    });

    await action.handler(ctx);

    expect(catalog.addLocation).toHaveBeenCalledWith(
      expect.objectContaining({ target: fs.realpathSync(descriptor) }),
      expect.anything(),
    );
  });

  it('passes onConflict: reject on to the catalog', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor, onConflict: 'reject' as const },
      workspacePath: root.path,
    });

    await action.handler(ctx);

    expect(catalog.addLocation).toHaveBeenCalledWith(
      expect.objectContaining({ onConflict: 'reject' }),
      expect.anything(),
    );
  });

  it('refuses a file outside the allowed folders without calling the catalog', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: {
        catalogInfoPath: path.join(root.path, 'elsewhere', 'secret.yaml'),
      },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('refuses a "../" path that climbs out of an allowed folder', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: {
        catalogInfoPath: path.join(
          allowedDir,
          '..',
          'elsewhere',
          'secret.yaml',
        ),
      },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('refuses a symlink in an allowed folder that points outside it', async () => {
    root.addContent({
      generated: {
        'link.yaml': ({ symlink }) =>
          symlink(path.join(root.path, 'elsewhere', 'secret.yaml')),
      },
    });
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: path.join(allowedDir, 'link.yaml') },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('fails with NotFoundError when the file does not exist', async () => {
    const { catalog, action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: path.join(allowedDir, 'nope.yaml') },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
    expect(catalog.addLocation).not.toHaveBeenCalled();
  });

  it('fails when given a folder instead of a file', async () => {
    const { action } = setup();
    const ctx = mockActionContext({
      input: { catalogInfoPath: path.join(allowedDir, 'my-service') },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'InputError',
    });
  });

  it('fails the step when the catalog rejects the location', async () => {
    const { catalog, action } = setup();
    catalog.addLocation.mockRejectedValueOnce(
      new ConflictError('Location already exists'),
    );
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toThrow(
      'Location already exists',
    );
    expect(ctx.outputs).toEqual({});
  });

  it("reports the catalog's own reason, not just the HTTP status, when the catalog API refuses", async () => {
    const { catalog, action } = setup();
    const response = new Response(
      JSON.stringify({
        error: {
          name: 'InputError',
          message: 'Registered locations must be of an allowed type ["url"]',
        },
        request: { method: 'POST', url: '/locations' },
        response: { statusCode: 400 },
      }),
      {
        status: 400,
        statusText: 'Bad Request',
        headers: { 'content-type': 'application/json' },
      },
    );
    catalog.addLocation.mockRejectedValueOnce(
      await ResponseError.fromResponse(response as any),
    );
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor },
      workspacePath: root.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'InputError',
      message: expect.stringContaining(
        'Registered locations must be of an allowed type ["url"]',
      ),
    });
  });

  it('keeps going without an entityRef when optional is true and the catalog fails', async () => {
    const { catalog, action } = setup();
    catalog.addLocation.mockRejectedValue(new Error('catalog is down'));
    const ctx = mockActionContext({
      input: { catalogInfoPath: descriptor, optional: true },
      workspacePath: root.path,
    });

    await action.handler(ctx);

    expect(catalog.addLocation).toHaveBeenCalledTimes(2);
    expect(ctx.outputs).toEqual({
      catalogInfoPath: fs.realpathSync(descriptor),
    });
  });
});
