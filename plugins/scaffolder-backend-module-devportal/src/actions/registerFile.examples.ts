import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Register the catalog-info.yaml written by devportal:publish:local',
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          action: 'devportal:catalog:register-file',
          name: 'Register in the catalog',
          input: {
            catalogInfoPath: '${{ steps.publish.output.catalogInfoPath }}',
          },
        },
      ],
      output: {
        links: [
          {
            title: 'Open in catalog',
            icon: 'catalog',
            entityRef: '${{ steps.register.output.entityRef }}',
          },
        ],
      },
    }),
  },
  {
    description:
      'Register a file by its path relative to the backend working directory, failing if it is registered already',
    example: yaml.stringify({
      steps: [
        {
          id: 'register',
          action: 'devportal:catalog:register-file',
          name: 'Register in the catalog',
          input: {
            catalogInfoPath:
              '.devportal/data/generated/${{ parameters.name }}/catalog-info.yaml',
            onConflict: 'reject',
          },
        },
      ],
    }),
  },
];
