import { attachComponentData, createPlugin } from '@backstage/core-plugin-api';
import { createScaffolderFieldExtension } from '@backstage/plugin-scaffolder-react';
import { legacyFieldOptions } from './scaffolderFieldExtensions';

describe('legacyFieldOptions', () => {
  it('reads the options of a field made by createScaffolderFieldExtension', () => {
    const component = () => null;
    const validation = jest.fn();
    const exported = createPlugin({ id: 'p' }).provide(createScaffolderFieldExtension({ name: 'MyField', component, validation }));
    expect(legacyFieldOptions(exported)).toMatchObject({ name: 'MyField', component, validation });
  });

  it('says so when the export is something else', () => {
    const other = () => null;
    attachComponentData(other, 'core.mountPoint', {});
    expect(() => legacyFieldOptions(other)).toThrow('the export is not a scaffolder field extension (createScaffolderFieldExtension)');
    expect(() => legacyFieldOptions(undefined)).toThrow(/not a scaffolder field extension/);
  });
});
