import { IconBundleBlueprint } from '@backstage/plugin-app-react';
import { lazy, Suspense } from 'react';
import type { WiringHandler } from '../types';

/**
 * `appIcons`: icons by name for the whole app, each loading the plugin's
 * code when first shown. Bundles go to the `app` plugin (its icons input
 * takes them from no other), collected across plugins.
 */
export const appIcons: WiringHandler = ({ remote }, app) => {
  if (remote.wiring.appIcons.length === 0) return;
  const icons = Object.fromEntries(
    remote.wiring.appIcons.map(icon => {
      const Icon = lazy(async () => ({ default: (await remote.load(icon.module, icon.importName)) as any }));
      return [
        icon.name,
        (props: object) => (
          <Suspense fallback={null}>
            <Icon {...props} />
          </Suspense>
        ),
      ];
    }),
  );
  app.iconBundles.push(IconBundleBlueprint.make({ name: `dynamic-icons-${remote.pluginId}`, params: { icons } }));
};
