import { createMockDirectory } from '@backstage/backend-test-utils';
import fs from 'node:fs';
import path from 'node:path';
import { createPublishLocalAction, validateProjectName } from './publishLocal';
import { mockActionContext } from '../testUtils/mockActionContext';

describe('devportal:publish:local', () => {
  const workspace = createMockDirectory();
  const published = createMockDirectory();
  const action = createPublishLocalAction({ directory: published.path });

  beforeEach(() => {
    published.clear();
    workspace.setContent({
      'catalog-info.yaml': 'kind: Component\n',
      'index.js': 'console.log("hi");\n',
      docs: { 'index.md': '# Hello\n' },
      service: { 'catalog-info.yaml': 'kind: Component # service\n' },
    });
  });

  it('copies the whole workspace into <directory>/<name> and outputs its path and catalog file', async () => {
    const ctx = mockActionContext({
      input: { name: 'my-service' },
      workspacePath: workspace.path,
    });

    await action.handler(ctx);

    const target = path.join(published.path, 'my-service');
    expect(published.content()).toEqual({
      'my-service': {
        'catalog-info.yaml': 'kind: Component\n',
        'index.js': 'console.log("hi");\n',
        docs: { 'index.md': '# Hello\n' },
        service: { 'catalog-info.yaml': 'kind: Component # service\n' },
      },
    });
    expect(ctx.outputs).toEqual({
      path: target,
      catalogInfoPath: path.join(target, 'catalog-info.yaml'),
    });
  });

  it('publishes only the sourcePath folder when one is given', async () => {
    const ctx = mockActionContext({
      input: { name: 'svc', sourcePath: 'service' },
      workspacePath: workspace.path,
    });

    await action.handler(ctx);

    expect(published.content()).toEqual({
      svc: { 'catalog-info.yaml': 'kind: Component # service\n' },
    });
  });

  it('reports a catalogInfoPath inside the published folder when another descriptor path is given', async () => {
    const ctx = mockActionContext({
      input: { name: 'svc', catalogInfoPath: 'service/catalog-info.yaml' },
      workspacePath: workspace.path,
    });

    await action.handler(ctx);

    expect(ctx.outputs.catalogInfoPath).toBe(
      path.join(published.path, 'svc', 'service', 'catalog-info.yaml'),
    );
  });

  it.each([
    ['with a slash', 'team/service'],
    ['with a backslash', 'team\\service'],
    ['that is the parent folder', '..'],
    ['with ".." inside', 'a..b'],
    ['that is an absolute path', '/etc'],
    ['that is the current folder', '.'],
    ['with a leading dot', '.hidden'],
    ['with a space', 'my service'],
    ['that is empty', ''],
  ])('refuses a name %s and writes nothing', async (_what, name) => {
    const ctx = mockActionContext({
      input: { name },
      workspacePath: workspace.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'InputError',
    });
    expect(published.content()).toEqual({});
    expect(ctx.outputs).toEqual({});
  });

  it('accepts names made of letters, digits, dots, underscores and dashes', () => {
    expect(() => validateProjectName('Payments_v2.api-1')).not.toThrow();
  });

  it('refuses a sourcePath outside the workspace', async () => {
    const ctx = mockActionContext({
      input: { name: 'svc', sourcePath: '../' },
      workspacePath: workspace.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(published.content()).toEqual({});
  });

  it('fails when the sourcePath folder does not exist', async () => {
    const ctx = mockActionContext({
      input: { name: 'svc', sourcePath: 'missing' },
      workspacePath: workspace.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'NotFoundError',
    });
  });

  it('refuses to overwrite an existing folder and leaves it untouched', async () => {
    published.setContent({ 'my-service': { 'old.txt': 'keep me' } });
    const ctx = mockActionContext({
      input: { name: 'my-service' },
      workspacePath: workspace.path,
    });

    await expect(action.handler(ctx)).rejects.toMatchObject({
      name: 'ConflictError',
    });
    expect(published.content()).toEqual({
      'my-service': { 'old.txt': 'keep me' },
    });
  });

  it('replaces an existing folder, dropping its old files, when overwrite is true', async () => {
    published.setContent({ 'my-service': { 'old.txt': 'drop me' } });
    const ctx = mockActionContext({
      input: { name: 'my-service', sourcePath: 'docs', overwrite: true },
      workspacePath: workspace.path,
    });

    await action.handler(ctx);

    expect(published.content()).toEqual({
      'my-service': { 'index.md': '# Hello\n' },
    });
  });

  it('creates the publish directory when it does not exist yet', async () => {
    const nested = path.join(published.path, 'not', 'there');
    const ctx = mockActionContext({
      input: { name: 'svc', sourcePath: 'docs' },
      workspacePath: workspace.path,
    });

    await createPublishLocalAction({ directory: nested }).handler(ctx);

    expect(fs.readFileSync(path.join(nested, 'svc', 'index.md'), 'utf8')).toBe(
      '# Hello\n',
    );
  });

  it('writes nothing on a dry run but outputs the paths it would use', async () => {
    const ctx = mockActionContext({
      input: { name: 'my-service' },
      workspacePath: workspace.path,
      isDryRun: true,
    });

    await action.handler(ctx);

    expect(published.content()).toEqual({});
    expect(ctx.outputs).toEqual({
      path: path.join(published.path, 'my-service'),
      catalogInfoPath: path.join(
        published.path,
        'my-service',
        'catalog-info.yaml',
      ),
    });
  });

  it('declares the name pattern in its input schema so the scaffolder rejects bad names up front', () => {
    const nameSchema = (action.schema?.input as any)?.properties?.name;
    expect(nameSchema.type).toBe('string');
    const pattern = new RegExp(nameSchema.pattern, 'u');
    expect(pattern.test('my-service')).toBe(true);
    expect(pattern.test('a/b')).toBe(false);
    expect(pattern.test('a..b')).toBe(false);
    expect((action.schema?.input as any)?.required).toEqual(['name']);
  });
});
