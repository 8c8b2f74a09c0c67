import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCatalog } from '.';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'devportal-catalog-test-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach(dir => fs.rmSync(dir, { recursive: true, force: true })));

function write(dir: string, files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
}

const good = (id: string, extra = '') => `id: ${id}
title: ${id} title
description: what ${id} does
name: "@example/${id}"
kind: backend
source: npm
category: Testing
versions:
  - version: 1.0.0
    package: "@example/${id}@1.0.0"
    integrity: sha512-AAAA
${extra}`;

describe('index folders', () => {
  it('loads the good files and gives one error per bad file, naming file:line and key', async () => {
    const dir = tempDir();
    write(dir, {
      'good.yaml': good('good', 'readme:\n  file: docs/good.md\ncompanions: [other]\n'),
      'docs/good.md': '# Good\n',
      'other.yaml': good('other', 'defaultConfig:\n  proxy:\n    target: ${TOKEN}\n'),
      'notes.md': 'not an entry',
      'bad-kind.yaml': good('bad-kind').replace('kind: backend', 'kind: widget'),
      'bad-integrity.yaml': good('bad-integrity').replace('sha512-AAAA', 'md5-xyz'),
      'bad-proto.yaml': `${good('bad-proto')}defaultConfig:\n  app:\n    __proto__:\n      polluted: true\n`,
      'bad-unknown.yaml': `${good('bad-unknown')}titel: typo\n`,
      'bad-name.yaml': good('not-the-file-name'),
      'bad-yaml.yaml': 'id: [unclosed\n',
      'bad-readme.yaml': `${good('bad-readme')}readme:\n  file: ../../etc/passwd\n`,
      'bad-version.yaml': good('bad-version').replace('version: 1.0.0', 'version: 1.0'),
      'bad-source.yaml': good('bad-source').replace('source: npm', 'source: oci'),
      'bad-duplicate.yaml': `${good('bad-duplicate')}title: again\n`,
    });
    const { entries, errors } = await readCatalog([{ type: 'index', path: dir }]);
    expect(entries.map(e => e.id)).toEqual(['good', 'other']);
    expect(entries[0]).toMatchObject({ readme: '# Good\n', companions: ['other'], origin: path.join(dir, 'good.yaml') });
    expect(entries[1].defaultConfig).toEqual({ proxy: { target: '${TOKEN}' } });
    expect(entries[1].environment).toEqual(['TOKEN']);
    const at = (file: string) => path.join(dir, file);
    expect(errors).toEqual([
      `${at('bad-duplicate.yaml')}:12: title: the key appears twice in one mapping`,
      `${at('bad-integrity.yaml')}:11: versions[0].integrity: "md5-xyz" must be sha512-<base64> (or sha384-, sha256-)`,
      `${at('bad-kind.yaml')}:5: kind: must be one of frontend, backend, module`,
      `${at('bad-name.yaml')}:1: id: is 'not-the-file-name' but the file is bad-name.yaml: name the file <id>.yaml`,
      `${at('bad-proto.yaml')}:14: __proto__: this key is not allowed (it would reach the prototype of JavaScript objects)`,
      `${at('bad-readme.yaml')}:13: readme.file: ../../etc/passwd is outside the catalog's folder`,
      `${at('bad-source.yaml')}:10: versions[0].package: is an npm spec, but the entry's source is oci`,
      `${at('bad-unknown.yaml')}:12: titel: unknown key (known: id, title, description, name, kind, source, category, versions, icon, readme, requiredConfig, environment, defaultConfig, companions, needsExport, needs, smoke)`,
      `${at('bad-version.yaml')}:9: versions[0].version: must be a string, not number 1 (quote it)`,
      expect.stringMatching(new RegExp(`^${at('bad-yaml.yaml')}:\\d+: invalid YAML`)),
    ]);
    expect(({} as any).polluted).toBeUndefined();
  });

  it('sorts versions newest first', async () => {
    const dir = tempDir();
    write(dir, {
      'multi.yaml': good('multi').replace(
        'versions:\n',
        'versions:\n  - version: 0.9.0\n    package: "@example/multi@0.9.0"\n  - version: 1.10.0\n    package: "@example/multi@1.10.0"\n',
      ),
    });
    const { entries, errors } = await readCatalog([{ type: 'index', path: dir }]);
    expect(errors).toEqual([]);
    expect(entries[0].versions.map(v => v.version)).toEqual(['1.10.0', '1.0.0', '0.9.0']);
  });

  it('refuses oversized files, a missing folder and relative paths without a baseDir', async () => {
    const dir = tempDir();
    write(dir, { 'big.yaml': `${good('big')}readme: "${'x'.repeat(5000)}"\n` });
    const { errors } = await readCatalog(
      [
        { type: 'index', path: dir },
        { type: 'index', path: path.join(dir, 'missing') },
        { type: 'file', path: 'relative.yaml' },
      ],
      { maxFileBytes: 1000 },
    );
    expect(errors).toEqual([
      expect.stringMatching(/big\.yaml: \d+ bytes is more than the 1000 allowed/),
      `${path.join(dir, 'missing')}: cannot read the catalog index folder (ENOENT)`,
      'relative.yaml: a relative catalog path needs an absolute baseDir',
    ]);
  });
});

describe('list files', () => {
  it('loads the good entries of a list and names the line and key of a bad one', async () => {
    const dir = tempDir();
    const list = [good('one'), good('two').replace('category: Testing', 'category: [not, a, string]'), good('three')]
      .map(text => `- ${text.trimEnd().split('\n').join('\n  ')}`)
      .join('\n');
    write(dir, { 'catalog.yaml': `${list}\n` });
    const { entries, errors } = await readCatalog([{ type: 'file', path: path.join(dir, 'catalog.yaml') }]);
    expect(entries.map(e => e.id)).toEqual(['one', 'three']);
    expect(errors).toEqual([`${path.join(dir, 'catalog.yaml')}:18: category: must be a string, not a list`]);
  });

  it('reports a file that is not a list, and duplicate ids and unknown companions across sources', async () => {
    const dir = tempDir();
    write(dir, {
      'map.yaml': good('map'),
      'a.yaml': `- ${good('same', 'companions: [nowhere]').trimEnd().split('\n').join('\n  ')}\n`,
      'b.yaml': `- ${good('same').trimEnd().split('\n').join('\n  ')}\n`,
    });
    const { entries, errors } = await readCatalog([
      { type: 'file', path: path.join(dir, 'map.yaml') },
      { type: 'file', path: path.join(dir, 'a.yaml') },
      { type: 'file', path: path.join(dir, 'b.yaml') },
    ]);
    expect(entries.map(e => e.origin)).toEqual([path.join(dir, 'a.yaml')]);
    expect(errors).toEqual([
      `${path.join(dir, 'map.yaml')}:1: a catalog file must be a list of entries (- id: …)`,
      `${path.join(dir, 'b.yaml')}: id 'same' is already taken by ${path.join(dir, 'a.yaml')}; this entry is left out`,
      `${path.join(dir, 'a.yaml')}: companions: no entry has the id 'nowhere'`,
    ]);
  });

  it('refuses deep nesting and alias bombs with one error', async () => {
    const dir = tempDir();
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)];
    write(dir, {
      'deep.yaml': `${'['.repeat(100)}${']'.repeat(100)}\n`,
      'bomb.yaml': `- ${good('bomb').trimEnd().split('\n').join('\n  ')}\n  defaultConfig:\n    ${bomb.join('\n    ')}\n`,
    });
    const { errors } = await readCatalog([
      { type: 'file', path: path.join(dir, 'deep.yaml') },
      { type: 'file', path: path.join(dir, 'bomb.yaml') },
    ]);
    expect(errors).toEqual([
      `${path.join(dir, 'deep.yaml')}:1: nested more than 64 levels deep`,
      expect.stringMatching(/bomb\.yaml:\d+: defaultConfig: aliases expand too much/),
    ]);
  });
});

describe('odd documents', () => {
  it('gives one error line for each, never a throw', async () => {
    const dir = tempDir();
    const odd: Record<string, string> = {
      'scalar.yaml': 'just text\n',
      'list.yaml': '- a\n- b\n',
      'empty.yaml': '',
      'two-docs.yaml': `${good('two-docs')}---\n${good('two-docs')}`,
      'version-scalar.yaml': good('version-scalar').replace(/versions:[\s\S]*$/, 'versions: [1]\n'),
      'version-map.yaml': good('version-map').replace(/versions:[\s\S]*$/, 'versions: { a: 1 }\n'),
      'complex-key.yaml': `${good('complex-key')}? [a, b]\n: c\n`,
      'readme-number.yaml': `${good('readme-number')}readme: 12\n`,
      'config-list.yaml': `${good('config-list')}defaultConfig: [1, 2]\n`,
      'tagged.yaml': `${good('tagged')}icon: !!binary aGVsbG8=\n`,
      'control-key.yaml': `${good('control-key')}"bad\\u0007key": 1\n`,
    };
    write(dir, odd);
    fs.writeFileSync(path.join(dir, 'binary.yaml'), Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x3a, 0x0a]));
    const { entries, errors } = await readCatalog([{ type: 'index', path: dir }]);
    expect(entries).toEqual([]);
    expect(errors).toHaveLength(Object.keys(odd).length + 1);
    for (const line of errors) expect(line).toMatch(new RegExp(`^${dir}/[a-z0-9-]+\\.yaml(:\\d+)?: .+`));
    expect(errors.join('\n')).not.toMatch(/TypeError|undefined|\[object/);
    expect(errors).toContain(`${path.join(dir, 'binary.yaml')}: not valid UTF-8`);
    expect(errors).toContain(`${path.join(dir, 'tagged.yaml')}:12: icon: must be a string, not binary data`);
    expect(errors.find(line => line.includes('control-key'))).toMatch(/:12: "bad\\u0007key": unknown key/);
  });
});
