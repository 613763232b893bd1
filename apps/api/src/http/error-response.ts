import { DomainError, type ErrorBody, type ErrorCode, toErrorBody } from '@arbiter/contracts';
import { pgCode } from '@arbiter/database';
import { HttpException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';

export interface ErrorResponse {
  body: ErrorBody;
  headers: Record<string, string>;
  /** Set for failures nobody expected; the caller logs the error under this id. */
  unexpected?: string;
}

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'Request body is larger than the limit',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'Request body is empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'Request body is not valid JSON',
};

/** Postgres or pool failures that mean "try again shortly", not a bug. */
const TRANSIENT_PG = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
]);

const LOST_CONNECTION = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgCode(error);
  if (code && TRANSIENT_PG.has(code)) return true;
  const message = error instanceof Error ? error.message : '';
  return (
    /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    ) || hasLostConnectionCode(error, 0)
  );
}

/**
 * A refused or reset socket, wherever the driver put it: Node reports a host with several addresses
 * (localhost as ::1 and 127.0.0.1) as an AggregateError with an empty message and the causes inside.
 */
function hasLostConnectionCode(error: unknown, depth: number): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  const { code, cause, driverError, errors } = error as {
    code?: unknown;
    cause?: unknown;
    driverError?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && LOST_CONNECTION.has(code)) return true;
  const nested = [cause, driverError, ...(Array.isArray(errors) ? errors : [])];
  return nested.some((inner) => hasLostConnectionCode(inner, depth + 1));
}

/** The contract's error body for anything thrown while serving a request, over HTTP or a socket. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
    return { body: toErrorBody(error), headers };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = CODE_BY_STATUS[status];
    if (code) {
      const message = status === 404 ? 'No such route' : error.message;
      return {
        body: { statusCode: status, code, message, ...(status === 400 ? { details: [] } : {}) },
        headers: {},
      };
    }
  }
  const fastify = error as { statusCode?: unknown; code?: unknown; message?: string } | null;
  if (
    typeof fastify?.statusCode === 'number' &&
    fastify.statusCode < 500 &&
    CODE_BY_STATUS[fastify.statusCode]
  ) {
    const known = typeof fastify.code === 'string' ? FASTIFY_MESSAGES[fastify.code] : undefined;
    const body: ErrorBody = {
      statusCode: fastify.statusCode,
      code: CODE_BY_STATUS[fastify.statusCode]!,
      message: known ?? fastify.message ?? 'Bad request',
    };
    if (fastify.statusCode === 400) body.details = [{ path: '', message: body.message }];
    return { body, headers: {} };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      body: { statusCode: 503, code: 'UNAVAILABLE', message: 'The database is unavailable; retry shortly' },
      headers: { 'retry-after': '1' },
    };
  }
  const errorId = randomUUID();
  return {
    body: { statusCode: 500, code: 'INTERNAL_ERROR', message: `Unexpected error (id ${errorId})`, errorId },
    headers: {},
    unexpected: errorId,
  };
}
