import { type DomainErrorCode, wireCode } from './error-code.js';
import type { ErrorDetail, Refusal } from './wire/index.js';

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

/** A refused entry of a batch, as its result shows it: `{code, message, details?}`. */
export function refusalOf(error: DomainError): Refusal {
  return {
    code: wireCode(error.code),
    message: error.message,
    ...(error.details ? { details: error.details } : {}),
  };
}
