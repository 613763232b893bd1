import { useEffect, useRef, useState } from 'react';
import { ApiError, listQueues } from '../api/http';
import type { Queue } from '../api/types';

export interface QueuesState {
  queues: Queue[] | null;
  error: string | null;
}

/**
 * The queues the user may work on, with how many items are assigned to them; fetched again whenever `resync`
 * changes (after each reconnect, when items were assigned to them or taken back, when the list is shown again).
 */
export function useQueues(token: string, resync: string, onUnauthenticated: () => void): QueuesState {
  const [state, setState] = useState<QueuesState>({ queues: null, error: null });
  const unauthenticated = useRef(onUnauthenticated);
  useEffect(() => {
    unauthenticated.current = onUnauthenticated;
  }, [onUnauthenticated]);

  useEffect(() => {
    let cancelled = false;
    listQueues(token).then(
      (queues) => {
        if (!cancelled) setState({ queues, error: null });
      },
      (error: unknown) => {
        if (cancelled) return;
        if (error instanceof ApiError && error.status === 401) unauthenticated.current();
        else setState((s) => ({ ...s, error: error instanceof Error ? error.message : String(error) }));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [token, resync]);

  return state;
}
