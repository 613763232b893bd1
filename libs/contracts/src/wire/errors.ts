import type { ErrorCode } from '../error-code.js';

export type { ErrorCode } from '../error-code.js';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** The body of every 4xx/5xx HTTP answer. */
export interface ErrorBody {
  statusCode: number;
  code: ErrorCode;
  message: string;
  /** For VALIDATION_FAILED: one entry per problem. */
  details?: ErrorDetail[];
  /** For INTERNAL_ERROR: the id the failure is logged under. */
  errorId?: string;
}

/** Why a socket call or one entry of a batch was refused. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}

/** A socket acknowledgement that failed. */
export interface AckFailure {
  error: Refusal;
}

export type Ack<T> = T | AckFailure;
