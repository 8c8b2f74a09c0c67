import { DocsLinkProcessor } from './DocsLinkProcessor';

const entity = (annotations: Record<string, string> = {}, links?: Array<{ url: string; title?: string }>) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments-service', annotations, links },
  spec: {},
});

describe('DocsLinkProcessor', () => {
  const processor = new DocsLinkProcessor('http://localhost:7007/');

  it('adds a Documentation link to an entity with TechDocs', async () => {
    const result = await processor.preProcessEntity(entity({ 'backstage.io/techdocs-ref': 'dir:.' }));
    expect(result.metadata.links).toEqual([{ url: 'http://localhost:7007/docs/default/component/payments-service', title: 'Documentation', icon: 'docs' }]);
  });

  it('leaves an entity without TechDocs alone', async () => {
    const input = entity();
    expect(await processor.preProcessEntity(input)).toBe(input);
  });

  it('does not add the link twice', async () => {
    const input = entity({ 'backstage.io/techdocs-ref': 'dir:.' }, [{ url: 'http://localhost:7007/docs/default/component/payments-service' }]);
    expect((await processor.preProcessEntity(input)).metadata.links).toHaveLength(1);
  });
});
