import { type DomainErrorCode, ERROR_STATUS, wireCode } from './error-code.js';
import type { ErrorBody, ErrorDetail, Refusal } from './wire/index.js';

/** An expected failure of a domain rule; transports map `code` to their own shape. */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  static validation(details: ErrorDetail[], message = 'Request validation failed'): DomainError {
    return new DomainError('VALIDATION_FAILED', message, details);
  }

  static notFound(what: string): DomainError {
    return new DomainError('NOT_FOUND', `${what} not found`);
  }

  static forbidden(message = 'Not allowed'): DomainError {
    return new DomainError('FORBIDDEN', message);
  }
}

/** The one mapping from a domain error to the contract's error body, whichever door the request came by. */
export function toErrorBody(error: DomainError): ErrorBody {
  return {
    statusCode: ERROR_STATUS[error.code],
    code: wireCode(error.code),
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
  };
}

/** An error body as a socket acknowledgement or a batch entry carries it: `{code, message, details?}`. */
export function withoutStatus({ code, message, details }: ErrorBody): Refusal {
  return { code, message, ...(details ? { details } : {}) };
}

/** A refused entry of a batch, as its result shows it. */
export const refusalOf = (error: DomainError): Refusal => withoutStatus(toErrorBody(error));
