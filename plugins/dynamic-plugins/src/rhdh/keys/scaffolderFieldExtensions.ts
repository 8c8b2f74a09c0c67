import { createFormField, FormFieldBlueprint } from '@backstage/plugin-scaffolder-react/alpha';
import { componentDataOf } from '../LegacyPluginContext';
import type { ExportLoader, OnProblem, WiringHandler } from '../types';

/** Where `createScaffolderFieldExtension` keeps a field's options on the component it returns. */
const FIELD_EXTENSION_KEY = 'scaffolder.extensions.field.v1';

interface LegacyFieldOptions {
  name: string;
  component: (...args: any[]) => any;
  validation?: (...args: any[]) => void;
  schema?: unknown;
}

/** The field a legacy scaffolder field extension export describes. */
export function legacyFieldOptions(exported: unknown): LegacyFieldOptions {
  const data = componentDataOf(exported, FIELD_EXTENSION_KEY) as LegacyFieldOptions | undefined;
  if (!data || typeof data.name !== 'string' || !data.component) {
    throw new Error('the export is not a scaffolder field extension (createScaffolderFieldExtension)');
  }
  return data;
}

/**
 * A field for the scaffolder's forms from RHDH `scaffolderFieldExtensions`
 * wiring. The scaffolder loads its fields when a template form opens, so the
 * plugin's code is fetched then. A field that cannot be loaded is reported
 * and replaced by an unused placeholder: one broken plugin must not take the
 * scaffolder's forms down with it.
 */
export function scaffolderFieldExtension(options: {
  name: string;
  label: string;
  load: ExportLoader;
  module: string;
  importName: string;
  onProblem: OnProblem;
}) {
  const { label, load, module, importName, onProblem } = options;
  return FormFieldBlueprint.make({
    name: options.name,
    params: {
      field: async () => {
        try {
          const field = legacyFieldOptions(await load(module, importName));
          return createFormField({ name: field.name, component: field.component, validation: field.validation, schema: field.schema } as never);
        } catch (error) {
          onProblem(label, `scaffolder field extension ${importName}: ${(error as Error).message}`);
          return createFormField({ name: `devportal-unavailable-${options.name}`, component: () => null } as never);
        }
      },
    },
  });
}

/** `scaffolderFieldExtensions`: each exported field extension becomes a field of the scaffolder's forms. */
export const scaffolderFieldExtensions: WiringHandler = ({ remote, extensions }, app) => {
  remote.wiring.scaffolderFieldExtensions.forEach((field, index) => {
    extensions.push(scaffolderFieldExtension({ name: `field-${index}`, label: remote.label, load: remote.load, ...field, onProblem: app.onProblem }));
  });
};
