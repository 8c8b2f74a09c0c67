import { useApiHolder } from '@backstage/frontend-plugin-api';
import { useEffect, useState, type ReactNode } from 'react';
import { marketplaceApiRef } from './api';

export type AdminState = 'checking' | 'admin' | 'not-admin';

/**
 * Whether the signed-in user may manage plugins, as the backend decides it
 * (`GET /api/devportal/whoami`, the `devportal.plugins.install` permission).
 * Anything but a clear yes (no API, an error) counts as no: the page is a
 * convenience, the backend's 403 is what protects the data.
 */
export function useAdminState(): AdminState {
  const api = useApiHolder().get(marketplaceApiRef);
  const [state, setState] = useState<AdminState>(api ? 'checking' : 'not-admin');
  useEffect(() => {
    if (!api) return undefined;
    let current = true;
    api.whoami().then(
      who => current && setState(who.isAdmin ? 'admin' : 'not-admin'),
      () => current && setState('not-admin'),
    );
    return () => {
      current = false;
    };
  }, [api]);
  return state;
}

/** Renders `children` for admins only (the Plugins entry of the sidebar). */
export function AdminOnly(props: { children: ReactNode }) {
  return useAdminState() === 'admin' ? <>{props.children}</> : null;
}
