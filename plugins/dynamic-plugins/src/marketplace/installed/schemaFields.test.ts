import { pluginSchemas } from '../testing/fakeMarketplace';
import { setInYaml } from './configYaml';
import { isEnvReference, mergeSchemas, schemaFields, secretProblems, suggestedEnvName, type Field } from './schemaFields';

const todoSchemas = pluginSchemas['@acme/plugin-todo-backend'];

/** Field kinds by label, flattened: what a reader of the form would see. */
function kinds(fields: Field[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of fields ?? []) {
    out[field.label] = field.kind;
    if (field.kind === 'object') Object.assign(out, kinds(field.fields));
  }
  return out;
}

function find(fields: Field[] | undefined, label: string): Field | undefined {
  for (const field of fields ?? []) {
    if (field.label === label) return field;
    if (field.kind === 'object') {
      const inner = find(field.fields, label);
      if (inner) return inner;
    }
  }
  return undefined;
}

describe('schemaFields', () => {
  it('merges the schemas by their keys and gives each key a field of its kind', () => {
    expect(kinds(schemaFields(todoSchemas, {}))).toEqual({
      todo: 'object',
      'todo.pageSize': 'number',
      'todo.mode': 'enum',
      'todo.showDone': 'boolean',
      'todo.token': 'string',
      'todo.tags': 'stringList',
      'todo.repos': 'yamlOnly',
      'todo.backend': 'object',
      'todo.backend.baseUrl': 'string',
      'todo.labels': 'yamlOnly',
    });
    const todo = find(schemaFields(todoSchemas, {}), 'todo');
    expect(todo).toMatchObject({ description: 'The TODO plugin', required: false });
    expect(find(schemaFields(todoSchemas, {}), 'todo.pageSize')).toMatchObject({ integer: true, required: true, description: 'Items per page' });
    expect(find(schemaFields(todoSchemas, {}), 'todo.mode')).toMatchObject({ options: ['strict', 'lenient'] });
  });

  it('fills in the current values, reading a bare `key:` as not set', () => {
    const fields = schemaFields(todoSchemas, { todo: { pageSize: 20, mode: 'lenient', showDone: false, tags: ['a'], token: null } });
    expect(find(fields, 'todo.pageSize')).toMatchObject({ value: 20 });
    expect(find(fields, 'todo.mode')).toMatchObject({ value: 'lenient' });
    expect(find(fields, 'todo.showDone')).toMatchObject({ value: false });
    expect(find(fields, 'todo.tags')).toMatchObject({ value: ['a'] });
    expect(find(fields, 'todo.token')).toMatchObject({ kind: 'string', value: undefined, secret: true });
  });

  it('leaves to YAML what the form cannot edit faithfully: other shapes, wrong types, keys the schema does not know', () => {
    const schemas = [
      {
        type: 'object',
        properties: {
          a: { anyOf: [{ type: 'string' }, { type: 'number' }] },
          b: { type: ['string', 'number'] },
          c: { type: 'integer' },
          d: { type: 'object', properties: { e: { type: 'string' } } },
          f: {},
          g: { type: ['string', 'null'] },
        },
      },
    ];
    const fields = schemaFields(schemas, { c: 'many', d: ['x'], extra: 1 });
    expect(fields?.map(f => [f.label, f.kind === 'yamlOnly' ? f.reason : f.kind])).toEqual([
      ['a', 'its schema uses anyOf'],
      ['b', 'it accepts several types'],
      ['c', 'its value is a string, the schema wants an integer'],
      ['d', 'its value is a list, the schema wants a mapping'],
      ['f', 'its schema gives no type'],
      ['g', 'string'],
      ['extra', 'the schema does not describe this key'],
    ]);
  });

  it('finds no form in no schema, or in one without keys', () => {
    expect(schemaFields([], {})).toBeUndefined();
    expect(schemaFields([{ type: 'object' }], { a: 1 })).toBeUndefined();
  });

  it('merges objects met in two schemas; for two leaves at one key the first wins', () => {
    const merged = mergeSchemas([
      { type: 'object', required: ['x'], properties: { x: { type: 'object', properties: { a: { type: 'string' } } }, y: { type: 'string' } } },
      { type: 'object', required: ['y'], properties: { x: { type: 'object', properties: { b: { type: 'boolean' } } }, y: { type: 'number' } } },
    ]);
    expect(Object.keys(merged!.properties!.x.properties!)).toEqual(['a', 'b']);
    expect(merged!.properties!.y.type).toBe('string');
    expect(merged!.required).toEqual(['x', 'y']);
  });
});

describe('secrets', () => {
  const schemas = [
    {
      type: 'object',
      properties: {
        svc: {
          type: 'object',
          properties: {
            token: { type: 'string', visibility: 'secret' },
            // A secret parent makes its children secret, as Backstage filters them.
            auth: { type: 'object', visibility: 'secret', properties: { password: { type: 'string' } } },
            keys: { type: 'array', items: { type: 'string', visibility: 'secret' } },
            url: { type: 'string' },
          },
        },
      },
    },
  ];

  it('accepts ${VAR} references only, naming the key and a variable to use', () => {
    const fields = schemaFields(schemas, { svc: { token: '${SVC_TOKEN}', auth: { password: 'hunter2' }, keys: ['${K}', 'raw'], url: 'plain is fine' } });
    expect(secretProblems(fields!)).toEqual([
      'svc.auth.password is a secret: write an environment reference such as ${SVC_AUTH_PASSWORD}, not the value itself',
      'svc.keys[1] is a secret: write an environment reference such as ${SVC_KEYS}, not the value itself',
    ]);
    expect(secretProblems(schemaFields(schemas, { svc: { token: 'abc' } })!)).toHaveLength(1);
    expect(secretProblems(schemaFields(schemas, {})!)).toEqual([]);
  });

  it('reads references as the backend does', () => {
    expect(isEnvReference('${TOKEN_1}')).toBe(true);
    expect(isEnvReference('${1TOKEN}')).toBe(false);
    expect(isEnvReference('prefix ${TOKEN}')).toBe(false);
    expect(isEnvReference('$TOKEN')).toBe(false);
    expect(suggestedEnvName(['todo', 'apiToken'])).toBe('TODO_API_TOKEN');
  });
});

describe('setInYaml', () => {
  it('writes one key into the text, keeping comments and the other keys', () => {
    const text = '# tuned for prod\ntodo:\n  pageSize: 20 # max\n  repos:\n    - url: a\n';
    expect(setInYaml(text, ['todo', 'mode'], 'strict')).toBe('# tuned for prod\ntodo:\n  pageSize: 20 # max\n  repos:\n    - url: a\n  mode: strict\n');
    expect(setInYaml('', ['todo', 'backend', 'baseUrl'], 'http://x')).toBe('todo:\n  backend:\n    baseUrl: http://x\n');
    // A string that YAML would read as a number stays a string.
    expect(setInYaml('', ['a'], '20')).toBe('a: "20"\n');
  });

  it('removes a cleared key and the mappings it leaves empty', () => {
    expect(setInYaml('todo:\n  backend:\n    baseUrl: x\n  pageSize: 1\n', ['todo', 'backend', 'baseUrl'], undefined)).toBe('todo:\n  pageSize: 1\n');
    expect(setInYaml('todo:\n  pageSize: 1\n', ['todo', 'pageSize'], undefined)).toBe('');
  });
});
