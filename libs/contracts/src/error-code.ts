// The one list of error codes: the server answers with them, the web app and the SDK type theirs from it
// (through the wire types), so this file imports nothing.

/** Machine-readable error codes domain rules throw, with the HTTP status each maps to. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_CLAIM_HOLDER: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  CLAIM_EXPIRED: 409,
  ALREADY_DECIDED: 409,
  IDEMPOTENCY_CONFLICT: 422,
  IDEMPOTENCY_IN_FLIGHT: 409,
  PAYLOAD_TOO_LARGE: 413,
  QUEUE_PAUSED: 423,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
} as const;

export type DomainErrorCode = keyof typeof ERROR_STATUS;

/** Codes the HTTP layer answers with on its own (405, 406, 415, and 500 for a failure nobody expected). */
export const TRANSPORT_ERROR_CODES = [
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'UNSUPPORTED_MEDIA_TYPE',
  'INTERNAL_ERROR',
] as const;

/** Every code a client can read: in an error body, a refused batch entry or a failed acknowledgement. */
export type ErrorCode =
  Exclude<DomainErrorCode, 'IDEMPOTENCY_IN_FLIGHT'> | (typeof TRANSPORT_ERROR_CODES)[number];

/** The code as it appears on the wire (an in-flight idempotent request is still an IDEMPOTENCY_CONFLICT). */
export function wireCode(code: DomainErrorCode): ErrorCode {
  return code === 'IDEMPOTENCY_IN_FLIGHT' ? 'IDEMPOTENCY_CONFLICT' : code;
}
