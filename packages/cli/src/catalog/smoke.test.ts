import YAML from 'yaml';
import { deepMerge, smokeConfig, stubEntities } from './smoke';

describe('the smoke portal config', () => {
  it('merges the entries\' configs key by key, lists replaced whole', () => {
    expect(deepMerge({ a: { b: 1, l: [1] } }, { a: { c: 2, l: [2] } })).toEqual({ a: { b: 1, c: 2, l: [2] } });
  });

  it('adds the stub entity location to the merged config', () => {
    const config = smokeConfig([{ catalog: { providers: { github: { x: {} } } } }, { kafka: { clusters: [] } }], 'http://127.0.0.1:9/s.yaml') as any;
    expect(config.catalog.providers.github.x).toEqual({});
    expect(config.catalog.locations).toEqual([{ type: 'url', target: 'http://127.0.0.1:9/s.yaml' }]);
    expect(config.backend.reading.allow).toEqual([{ host: '127.0.0.1:9' }]);
    expect(config.kafka).toEqual({ clusters: [] });
  });

  it('gives the stub component every frontend annotation and a scaffoldedFrom', () => {
    const entity = YAML.parse(stubEntities({ 'github.com/project-slug': 'a/b' }));
    expect(entity.metadata).toMatchObject({ name: 'catalog-smoke', annotations: { 'github.com/project-slug': 'a/b' } });
    expect(entity.spec.scaffoldedFrom).toBe('template:default/node-service');
  });

  it('serves the entries\' own entities after the stub component', () => {
    const docs = YAML.parseAllDocuments(stubEntities({}, [{ kind: 'API', metadata: { name: 'x' } }])).map(d => d.toJS());
    expect(docs.map(d => d.kind)).toEqual(['Component', 'API']);
  });
});
