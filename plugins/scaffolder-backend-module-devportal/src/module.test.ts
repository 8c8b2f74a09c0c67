import {
  createMockDirectory,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import {
  TemplateAction,
  scaffolderActionsExtensionPoint,
} from '@backstage/plugin-scaffolder-node';
import path from 'node:path';
import { scaffolderModuleDevportal } from './module';
import { mockActionContext } from './testUtils/mockActionContext';

describe('scaffolderModuleDevportal', () => {
  const dir = createMockDirectory();

  async function startWith(config: object) {
    const actions: TemplateAction<any, any, any>[] = [];
    await startTestBackend({
      extensionPoints: [
        [
          scaffolderActionsExtensionPoint,
          { addActions: (...added) => actions.push(...added) },
        ],
      ],
      features: [
        scaffolderModuleDevportal,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({ data: config }),
      ],
    });
    return actions;
  }

  it('adds the devportal:publish:local and devportal:catalog:register-file actions', async () => {
    const actions = await startWith({});

    expect(actions.map(a => a.id).sort()).toEqual([
      'devportal:catalog:register-file',
      'devportal:publish:local',
    ]);
    for (const action of actions) {
      expect(action.examples?.length).toBeGreaterThan(0);
      expect(action.schema?.input).toBeDefined();
    }
  });

  it('publishes into devportal.scaffolder.localPublish.directory', async () => {
    dir.setContent({ workspace: { 'catalog-info.yaml': 'kind: Component\n' } });
    const target = path.join(dir.path, 'published');
    const actions = await startWith({
      devportal: { scaffolder: { localPublish: { directory: target } } },
    });
    const publish = actions.find(a => a.id === 'devportal:publish:local')!;

    const ctx = mockActionContext({
      input: { name: 'svc' },
      workspacePath: dir.resolve('workspace'),
    });
    await publish.handler(ctx);

    expect(ctx.outputs.path).toBe(path.join(target, 'svc'));
    expect(dir.content({ path: 'published' })).toEqual({
      svc: { 'catalog-info.yaml': 'kind: Component\n' },
    });
  });
});
