import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
// The installer's source, as in index.test.ts (its dist loads the reader with a dynamic import()).
import { readCatalog } from '../../../plugin-installer/src/catalog';
import { indexImageReference, publishedEntries, publishedIndex } from './publish';

describe('the index of a published catalog image', () => {
  it('is a catalog list file whose entries install from the image by digest', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const text = publishedIndex(publishedEntries(
      [
        {
          entry: {
            id: 'kubernetes-backend', title: 'Kubernetes backend', description: 'd', name: '@backstage/plugin-kubernetes-backend',
            kind: 'backend', source: 'npm', category: 'Kubernetes', needs: 'a cluster', needsExport: true, origin: '/x.yaml',
            smoke: { get: '/api/kubernetes/clusters', expect: 'x' },
            versions: [{ version: '0.21.11', package: '@backstage/plugin-kubernetes-backend@0.21.11', integrity: 'sha512-x' }],
          },
          spec: '@backstage/plugin-kubernetes-backend@0.21.11',
          cached: true,
          dir: '/cache/k/out/backstage-plugin-kubernetes-backend-dynamic',
          result: { spec: 's', name: 'n', version: '0.21.11', role: 'backend-plugin', folder: 'f', bytes: 1234, buildMs: 1, builtAt: 'now' },
          smoke: { result: 'pass', reason: 'ok' },
        },
      ],
      'oci://127.0.0.1:5000/devportal/catalog',
      digest,
    ));
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'catalog-publish-'));
    await fs.writeFile(path.join(dir, 'index.yaml'), text);
    const { entries, errors } = await readCatalog([{ type: 'file', path: path.join(dir, 'index.yaml') }]);
    expect(errors).toEqual([]);
    expect(entries[0]).toMatchObject({
      id: 'kubernetes-backend',
      source: 'oci',
      needs: 'a cluster',
      versions: [{ version: '0.21.11', package: `oci://127.0.0.1:5000/devportal/catalog@${digest}!backstage-plugin-kubernetes-backend-dynamic`, sizeBytes: 1234 }],
    });
    expect(entries[0].needsExport).toBeUndefined();
    expect(entries[0].smoke).toBeUndefined();
  });
});

describe('the catalog index image reference', () => {
  it('is the plugin image tag with -index, in the same repository', () => {
    expect(indexImageReference('oci://127.0.0.1:5000/devportal/catalog:1')).toBe('oci://127.0.0.1:5000/devportal/catalog:1-index');
    expect(indexImageReference('oci://registry.example/devportal/catalog')).toBe('oci://registry.example/devportal/catalog:latest-index');
  });
});
