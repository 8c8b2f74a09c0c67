import path from 'node:path';
// The installer's source: its built dist loads the catalog reader with a
// dynamic import(), which jest cannot run without experimental VM modules.
import { readCatalog } from '../../../plugin-installer/src/catalog';
import { buildable } from './build';
import { parseSmokeSpec } from './verdict';

const repoRoot = path.resolve(__dirname, '../../../..');

/** The curated catalog in marketplace/index, as the catalog build reads it. */
describe('the catalog entries', () => {
  let entries: Awaited<ReturnType<typeof readCatalog>>['entries'];

  beforeAll(async () => {
    const read = await readCatalog([{ type: 'index', path: 'marketplace/index' }], { baseDir: repoRoot });
    expect(read.errors).toEqual([]);
    entries = read.entries;
  });

  it('offers at least 30 community plugins from npm, each pinned to one version and its sha512 integrity', () => {
    const npm = buildable(entries, []);
    expect(npm.length).toBeGreaterThanOrEqual(30);
    for (const entry of npm) {
      expect({ id: entry.id, versions: entry.versions.length }).toEqual({ id: entry.id, versions: 1 });
      const [v] = entry.versions;
      expect({ id: entry.id, package: v.package }).toEqual({ id: entry.id, package: `${entry.name}@${v.version}` });
      expect({ id: entry.id, integrity: v.integrity }).toEqual({ id: entry.id, integrity: expect.stringMatching(/^sha512-[A-Za-z0-9+/]{86}==$/) });
    }
  });

  it('gives each npm entry what the build and the Plugins page need: category, icon, needs and a valid smoke test', () => {
    for (const entry of buildable(entries, [])) {
      expect({ id: entry.id, icon: !!entry.icon, needs: !!entry.needs, category: !!entry.category }).toEqual({ id: entry.id, icon: true, needs: true, category: true });
      expect({ id: entry.id, smoke: parseSmokeSpec(entry.kind, entry.smoke).error }).toEqual({ id: entry.id, smoke: undefined });
    }
  });

  it('covers frontend, backend and modules, and RHDH-format packages used unchanged', () => {
    const npm = buildable(entries, []);
    for (const kind of ['frontend', 'backend', 'module']) expect(npm.filter(e => e.kind === kind).length).toBeGreaterThanOrEqual(5);
    expect(npm.filter(e => !e.needsExport).length).toBeGreaterThanOrEqual(3);
  });

  it('wires legacy frontend entries with RHDH mount points, and names companions that exist', () => {
    const ids = new Set(entries.map(e => e.id));
    for (const entry of entries) for (const id of entry.companions ?? []) expect({ from: entry.id, id, known: ids.has(id) }).toEqual({ from: entry.id, id, known: true });
    const wired = entries.filter(e => (e.defaultConfig as any)?.dynamicPlugins?.frontend);
    expect(wired.length).toBeGreaterThanOrEqual(4);
    for (const entry of wired) {
      const config = Object.values((entry.defaultConfig as any).dynamicPlugins.frontend)[0] as any;
      expect({ id: entry.id, mountPoints: Array.isArray(config.mountPoints) || Array.isArray(config.dynamicRoutes) }).toEqual({ id: entry.id, mountPoints: true });
    }
  });
});
