// The wire types come from the one source the server answers with; what follows them is the UI's own.
import type { Ack, AckFailure, ErrorCode, Refusal, ReviewCalls } from '@arbiter/contracts/wire';

export type * from '@arbiter/contracts/wire';

/** Codes the UI gives failures that never reached the server, or got no contract answer from it. */
export type ClientErrorCode =
  'DISCONNECTED' | 'TIMEOUT' | 'NETWORK' | 'BAD_RESPONSE' | 'CLIENT_ERROR' | `HTTP_${number}`;

/** A refused call: the server's refusal, or one of the UI's own. */
export interface AckError extends Omit<Refusal, 'code'> {
  code: ErrorCode | ClientErrorCode;
}

/** The outcome of a call: the acknowledgement, or why it failed (server code, or DISCONNECTED / TIMEOUT). */
export type Result<T> = { ok: true; value: T } | { ok: false; error: AckError };

/** Client → server events of the `/review` namespace, as socket.io-client types them. */
export type ClientToServerEvents = {
  [E in keyof ReviewCalls]: (
    payload: ReviewCalls[E]['request'],
    ack: (response: Ack<ReviewCalls[E]['response']>) => void,
  ) => void;
};

export function isAckFailure(value: unknown): value is AckFailure {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && 'code' in error;
}
