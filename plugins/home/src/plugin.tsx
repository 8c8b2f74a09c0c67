import {
  AppRootElementBlueprint,
  PageBlueprint,
  coreExtensionData,
  createExtensionInput,
  createFrontendPlugin,
  createRouteRef,
} from '@backstage/frontend-plugin-api';
import { RiHome5Line } from '@remixicon/react';
import { VisitRecorder } from './visits';

/** The home page's route; other plugins link to it through `home.root`. */
export const rootRouteRef = createRouteRef();

/**
 * The page at `/`. Its `cards` input is the mount point other plugins use to
 * contribute home page cards; they render after the built-in ones.
 */
export const homePage = PageBlueprint.makeWithOverrides({
  inputs: {
    cards: createExtensionInput([coreExtensionData.reactElement, coreExtensionData.title.optional()]),
  },
  factory(originalFactory, { inputs }) {
    const cards = inputs.cards.map(card => ({
      id: card.node.spec.id,
      title: card.get(coreExtensionData.title),
      element: card.get(coreExtensionData.reactElement),
    }));
    return originalFactory({
      path: '/',
      routeRef: rootRouteRef,
      title: 'Home',
      icon: <RiHome5Line size={20} />,
      noHeader: true,
      // The page's code is a separate chunk: it is fetched when `/` renders.
      loader: () => import('./components/HomePage').then(m => <m.HomePage cards={cards} />),
    });
  },
});

/** Remembers the pages a user opens, for the "Recently visited" card. */
export const visitRecorder = AppRootElementBlueprint.make({
  name: 'visit-recorder',
  params: { element: <VisitRecorder /> },
});

export const homePlugin = createFrontendPlugin({
  pluginId: 'home',
  routes: { root: rootRouteRef },
  extensions: [homePage, visitRecorder],
});
