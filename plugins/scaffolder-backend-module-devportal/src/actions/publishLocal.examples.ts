import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Publish the whole workspace to a folder named after the component',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'devportal:publish:local',
          name: 'Publish to the DevPortal host',
          input: {
            name: '${{ parameters.name }}',
          },
        },
      ],
    }),
  },
  {
    description:
      'Publish only the `service` folder of the workspace, replacing an earlier run',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'devportal:publish:local',
          name: 'Publish to the DevPortal host',
          input: {
            name: '${{ parameters.name }}',
            sourcePath: 'service',
            overwrite: true,
          },
        },
      ],
    }),
  },
  {
    description:
      'Publish, then register the published catalog-info.yaml in the catalog',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'devportal:publish:local',
          name: 'Publish to the DevPortal host',
          input: { name: '${{ parameters.name }}' },
        },
        {
          id: 'register',
          action: 'devportal:catalog:register-file',
          name: 'Register in the catalog',
          input: {
            catalogInfoPath: '${{ steps.publish.output.catalogInfoPath }}',
          },
        },
      ],
    }),
  },
];
