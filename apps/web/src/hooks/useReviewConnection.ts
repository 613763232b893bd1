import { useEffect, useRef, useState } from 'react';
import { connectReviewSocket, ReviewClient } from '../api/socket';

export type ConnectionStatus = 'connecting' | 'connected' | 'disconnected';

export interface ReviewConnection {
  client: ReviewClient | null;
  status: ConnectionStatus;
  /** Increases on every (re)connection, so consumers re-sync after a reconnect. */
  epoch: number;
  error: string | null;
}

const AUTH_REFUSAL = /unauth|token|jwt|credential|expired/i;

/** One socket to `/review` per access token; socket.io reconnects by itself after a network loss. */
export function useReviewConnection(
  token: string,
  onAuthRefused: (message: string) => void,
): ReviewConnection {
  const [state, setState] = useState<ReviewConnection>({
    client: null,
    status: 'connecting',
    epoch: 0,
    error: null,
  });
  const refused = useRef(onAuthRefused);
  useEffect(() => {
    refused.current = onAuthRefused;
  }, [onAuthRefused]);

  useEffect(() => {
    const socket = connectReviewSocket(token);
    let retry: number | undefined;
    setState({ client: new ReviewClient(socket, token), status: 'connecting', epoch: 0, error: null });

    socket.on('connect', () => {
      setState((s) => ({ ...s, status: 'connected', epoch: s.epoch + 1, error: null }));
    });
    socket.on('disconnect', (reason) => {
      setState((s) => ({ ...s, status: 'disconnected' }));
      // The server closed the connection: socket.io does not come back by itself, so try once more.
      if (reason === 'io server disconnect') retry = window.setTimeout(() => socket.connect(), 2000);
    });
    socket.on('connect_error', (error: Error & { data?: { code?: string; message?: string } }) => {
      if (socket.active) {
        setState((s) => ({ ...s, status: 'disconnected', error: error.message }));
        return;
      }
      // Refused by the handshake: socket.io will not retry.
      const message = error.data?.message ?? error.message;
      if (AUTH_REFUSAL.test(`${error.data?.code ?? ''} ${error.message}`)) {
        refused.current(message);
        return;
      }
      setState((s) => ({ ...s, status: 'disconnected', error: message }));
      retry = window.setTimeout(() => socket.connect(), 5000);
    });

    return () => {
      window.clearTimeout(retry);
      socket.off('connect').off('disconnect').off('connect_error');
      // Later, so that a release sent by an unmounting workspace still goes out first.
      window.setTimeout(() => socket.disconnect(), 0);
    };
  }, [token]);

  return state;
}
