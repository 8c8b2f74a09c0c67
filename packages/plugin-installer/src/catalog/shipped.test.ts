import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { readCatalog } from '.';

const repoRoot = path.resolve(__dirname, '../../../..');
const shippedIndex = path.join(repoRoot, 'marketplace/index');

describe('the index shipped in marketplace/index', () => {
  it('reads without errors, with every bundled plugin of dynamic-plugins.yaml', async () => {
    const { entries, errors } = await readCatalog([{ type: 'index', path: 'marketplace/index' }], { baseDir: repoRoot });
    expect(errors).toEqual([]);
    const bundled = YAML.parse(fs.readFileSync(path.join(repoRoot, 'dynamic-plugins.yaml'), 'utf8'))
      .plugins.map((p: { package: string }) => p.package)
      .filter((p: string) => p.startsWith('./'));
    const offered = entries.flatMap(e => e.versions.map(v => v.package));
    expect(bundled.length).toBeGreaterThan(0);
    for (const pkg of bundled) expect(offered).toContain(pkg);
    expect(entries.find(e => e.id === 'portal-info')?.readme).toMatch(/^# Portal info/);
    expect(entries.every(e => e.origin.startsWith(shippedIndex))).toBe(true);
  });

  it('has an entry with the pinned integrity for each third-party package the e2e tests install', async () => {
    const script = fs.readFileSync(path.join(repoRoot, 'scripts/lib/test.sh'), 'utf8');
    // The fixtures' specs (THIRD_PARTY_BACKEND=( … ), RHDH_DYNAMIC_PACKAGE=…).
    const specs = [...script.matchAll(/^\s*(?:[A-Z_]+=)?\(?\s*(@[a-z0-9-]+\/[a-z0-9-]+@\d+\.\d+\.\d+)\s*$/gm)].map(m => m[1]);
    expect(specs.length).toBeGreaterThanOrEqual(8);
    const { entries } = await readCatalog([{ type: 'index', path: shippedIndex }]);
    for (const spec of specs) {
      const version = entries.flatMap(e => e.versions).find(v => v.package === spec);
      expect({ spec, integrity: version?.integrity }).toEqual({ spec, integrity: expect.stringMatching(/^sha512-/) });
    }
  });
});
