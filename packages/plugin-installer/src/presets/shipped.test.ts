import path from 'node:path';
import { listPresets } from './list';

const repoRoot = path.resolve(__dirname, '../../../..');

describe('the presets shipped in marketplace/presets', () => {
  it('each reads, names catalog entries the shipped index has, and says which variables it needs', async () => {
    const listing = await listPresets(path.join(repoRoot, 'dynamic-plugins.yaml'), { env: {} });
    expect(listing.errors).toEqual([]);
    const byName = Object.fromEntries(listing.presets.map(p => [p.name, p]));
    // The issue asks for github and gitlab and one identity provider.
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['azure', 'github', 'gitlab', 'keycloak', 'ldap']));
    expect(byName.github.environment).toEqual(['GITHUB_TOKEN', 'GITHUB_ORG']);
    expect(byName.github.plugins.map(p => p.entry)).toEqual(['catalog-github', 'catalog-github-org', 'github-actions']);
    expect(byName.gitlab.environment).toEqual(['GITLAB_HOST', 'GITLAB_TOKEN', 'GITLAB_GROUP']);
    expect(byName.keycloak.plugins.map(p => p.package)).toEqual(['@backstage-community/plugin-catalog-backend-module-keycloak@3.23.1']);
    for (const preset of listing.presets) {
      // With nothing set, every variable is reported missing: none is left out of `environment`.
      expect(preset.missing).toEqual(preset.environment);
      expect(preset.environment.length).toBeGreaterThan(0);
    }
  });
});
