import { DependencyList, useEffect, useState } from 'react';

export type AsyncState<T> =
  | { loading: true; value?: undefined; error?: undefined }
  | { loading: false; value: T; error?: undefined }
  | { loading: false; value?: undefined; error: Error };

/** Runs an async function when its dependencies change; ignores stale results. */
export function useAsync<T>(fn: () => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ loading: true });
  useEffect(() => {
    let current = true;
    setState({ loading: true });
    fn().then(
      value => current && setState({ loading: false, value }),
      error => current && setState({ loading: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return state;
}
