import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { INSTALLER_STATE_FILE } from '@devportal/plugin-dynamic-plugins-common';
import type { KeyedLayerEntry } from '@devportal/plugin-dynamic-plugins-node';
import type { ResolvedConfig } from '@devportal/plugin-installer';
import { changesFrontendOnly } from './frontendOnly';

/** A root whose state file lists plugins by key, each in a folder with its package.json. */
function makeRoot(plugins: Array<{ key: string; folder: string; role: string }>) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-frontend-only-'));
  const records: Record<string, unknown> = {};
  for (const p of plugins) {
    fs.mkdirSync(path.join(root, p.folder));
    fs.writeFileSync(path.join(root, p.folder, 'package.json'), JSON.stringify({ name: p.key, version: '1.0.0', backstage: { role: p.role } }));
    records[p.key] = { package: `${p.key}@1.0.0`, name: p.key, version: '1.0.0', folder: p.folder, source: 'npm', integrity: 'sha512-x' };
  }
  fs.writeFileSync(path.join(root, INSTALLER_STATE_FILE), JSON.stringify({ version: 1, files: [], inputs: '', offline: false, plugins: records, disabled: [], warnings: [] }));
  return root;
}

const base = (plugins: Array<{ key: string; pluginConfig?: Record<string, unknown> }> = []) => ({ plugins }) as unknown as ResolvedConfig;
const entry = (key: string, extra: Partial<KeyedLayerEntry> = {}): KeyedLayerEntry => ({ key, package: `${key}@1.0.0`, ...extra });

describe('changesFrontendOnly', () => {
  const root = makeRoot([
    { key: '@acme/radar', folder: 'acme-radar', role: 'frontend-plugin' },
    { key: '@acme/todo-backend', folder: 'acme-todo-backend', role: 'backend-plugin' },
  ]);
  const roles = new Map<string, string>();

  it('is true when a new package staged with a frontend role is installed', () => {
    expect(changesFrontendOnly({ root, before: [], after: [entry('@acme/docs')], base: base(), stagedRoles: new Map([['@acme/docs', 'frontend-plugin']]) })).toBe(true);
  });

  it('reads the role of an installed plugin from its folder: disabling a frontend plugin, not a backend one', () => {
    const disabled = (key: string) => ({ root, before: [entry(key)], after: [entry(key, { disabled: true })], base: base(), stagedRoles: roles });
    expect(changesFrontendOnly(disabled('@acme/radar'))).toBe(true);
    expect(changesFrontendOnly(disabled('@acme/todo-backend'))).toBe(false);
  });

  it('counts an unknown role as backend (a package staged without one, an OCI image)', () => {
    expect(changesFrontendOnly({ root, before: [], after: [entry('@acme/unknown')], base: base(), stagedRoles: roles })).toBe(false);
  });

  it('counts any pluginConfig as backend: the merged app-config reaches the page when a backend starts', () => {
    const staged = new Map([['@acme/docs', 'frontend-plugin']]);
    expect(changesFrontendOnly({ root, before: [], after: [entry('@acme/docs', { pluginConfig: { dynamicPlugins: { frontend: {} } } })], base: base(), stagedRoles: staged })).toBe(false);
    // The base file's own config for the plugin counts too.
    expect(changesFrontendOnly({ root, before: [], after: [entry('@acme/docs')], base: base([{ key: '@acme/docs', pluginConfig: { a: 1 } }]), stagedRoles: staged })).toBe(false);
  });

  it('is false when nothing changes (a rollback to the same layer): nothing to predict', () => {
    expect(changesFrontendOnly({ root, before: [entry('@acme/radar')], after: [entry('@acme/radar')], base: base(), stagedRoles: roles })).toBe(false);
  });

  it('is false when one change of several is a backend plugin', () => {
    const after = [entry('@acme/radar', { disabled: true }), entry('@acme/todo-backend', { package: '@acme/todo-backend@1.1.0' })];
    expect(changesFrontendOnly({ root, before: [entry('@acme/radar'), entry('@acme/todo-backend')], after, base: base(), stagedRoles: roles })).toBe(false);
  });
});
