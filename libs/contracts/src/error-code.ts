/** Machine-readable error codes of the external contract, with the HTTP status each maps to. */
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

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The code as it appears on the wire (an in-flight idempotent request is still an IDEMPOTENCY_CONFLICT). */
export function wireCode(code: ErrorCode): string {
  return code === 'IDEMPOTENCY_IN_FLIGHT' ? 'IDEMPOTENCY_CONFLICT' : code;
}
