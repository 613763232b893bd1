import type { ErrorBody, ErrorCode, ErrorDetail } from './types.js';

/** A non-2xx answer from Arbiter, carrying the contract's error body. */
export class ArbiterError extends Error {
  override readonly name = 'ArbiterError';
  readonly statusCode: number;
  readonly code: ErrorCode | (string & {});
  readonly details: ErrorDetail[] | undefined;
  /** From `Retry-After`, when the answer carried one. */
  readonly retryAfterMs: number | undefined;

  constructor(body: ErrorBody, retryAfterMs?: number) {
    super(body.message);
    this.statusCode = body.statusCode;
    this.code = body.code;
    this.details = body.details;
    this.retryAfterMs = retryAfterMs;
  }
}

/** Arbiter could not be reached (connection refused or reset, DNS failure, request timeout). */
export class ArbiterConnectionError extends Error {
  override readonly name = 'ArbiterConnectionError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** `waitForDecision` ran out of time and the caller gave no fallback. */
export class DecisionTimeoutError extends Error {
  override readonly name = 'DecisionTimeoutError';

  constructor(
    readonly itemId: string,
    readonly timeoutMs: number,
  ) {
    super(`item ${itemId} got no decision within ${timeoutMs} ms`);
  }
}

export type WebhookFailure =
  | 'MISSING_HEADER'
  | 'INVALID_SECRET'
  | 'INVALID_TIMESTAMP'
  | 'TIMESTAMP_OUT_OF_TOLERANCE'
  | 'NO_MATCHING_SIGNATURE'
  | 'INVALID_PAYLOAD';

/** A webhook that must not be trusted; answer it with a 4xx and do not act on it. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';

  constructor(
    readonly reason: WebhookFailure,
    message: string,
  ) {
    super(message);
  }
}
