import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiError } from '../api/http';
import { failure, useApiSession } from './useApiSession';

export interface Loaded<T> {
  data: T | null;
  error: ApiError | null;
  loading: boolean;
  reload: () => void;
  /** Replaces the data in place, e.g. with what a successful change returned. */
  setData: (update: (data: T | null) => T | null) => void;
}

/**
 * Runs `load(token)` whenever `key` changes (or on reload), keeping the last data on screen while it runs.
 * A 401 signs the user out.
 */
export function useLoad<T>(load: (token: string) => Promise<T>, key: string): Loaded<T> {
  const session = useApiSession();
  const [state, setState] = useState<{
    data: T | null;
    error: ApiError | null;
    loading: boolean;
    /** The key the last answer (data or error) belongs to, and the key the data belongs to. */
    loadedKey: string | null;
    dataKey: string | null;
  }>({ data: null, error: null, loading: true, loadedKey: null, dataKey: null });
  const [attempt, setAttempt] = useState(0);
  const loadRef = useRef(load);
  const sessionRef = useRef(session);
  useEffect(() => {
    loadRef.current = load;
    sessionRef.current = session;
  });

  const { token } = session;
  useEffect(() => {
    let cancelled = false;
    setState((s) => ({ ...s, loading: true }));
    loadRef.current(token).then(
      (data) => {
        if (!cancelled) setState({ data, error: null, loading: false, loadedKey: key, dataKey: key });
      },
      (error: unknown) => {
        if (cancelled) return;
        const shown = failure(sessionRef.current, error);
        // Data of another key (an older filter) would pass for the answer to this one: drop it.
        setState((s) => ({
          ...s,
          data: s.dataKey === key ? s.data : null,
          error: shown,
          loading: false,
          loadedKey: key,
        }));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token, key, attempt]);

  const reload = useCallback(() => setAttempt((n) => n + 1), []);
  const setData = useCallback(
    (update: (data: T | null) => T | null) => setState((s) => ({ ...s, data: update(s.data) })),
    [],
  );
  return {
    data: state.data,
    error: state.error,
    // Synchronously true as soon as the key changes, so stale rows are never shown as current.
    loading: state.loading || state.loadedKey !== key,
    reload,
    setData,
  };
}
