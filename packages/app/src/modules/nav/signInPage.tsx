import { SignInPage } from '@backstage/core-components';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/**
 * Guest sign-in for local use. The guest is a real user entity
 * (`auth.providers.guest.userEntityRef` in app-config.yaml), so ownership and
 * admin checks work the same way they will with a real identity provider.
 */
export const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => props =>
      <SignInPage {...props} title="DevPortal" align="center" providers={['guest']} />,
  },
});
