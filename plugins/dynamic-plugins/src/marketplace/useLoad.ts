import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';

export interface Loaded<T> {
  value?: T;
  error?: Error;
  loading: boolean;
  /** Loads again, keeping the current value on screen until the answer comes. */
  reload(): void;
}

/**
 * Runs `load` when `deps` change and on `reload()`. An answer that arrives
 * after a newer request started is dropped, so a slow catalog search cannot
 * overwrite the result of the one typed after it.
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{ value?: T; error?: Error; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const request = ++latest.current;
    setState(s => ({ value: s.value, loading: true }));
    load().then(
      value => request === latest.current && setState({ value, loading: false }),
      error => request === latest.current && setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  useEffect(() => () => void (latest.current = -1), []);
  const reload = useCallback(() => setRound(r => r + 1), []);
  return { ...state, reload };
}
