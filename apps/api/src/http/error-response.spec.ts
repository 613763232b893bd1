import { DomainError } from '@arbiter/contracts';
import { NotFoundException } from '@nestjs/common';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toErrorResponse } from './error-response.js';

describe('toErrorResponse', () => {
  it('maps a domain error to its contract status and code', () => {
    const { body } = toErrorResponse(DomainError.validation([{ path: 'x', message: 'bad' }]));
    assert.deepEqual(body, {
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: 'Request validation failed',
      details: [{ path: 'x', message: 'bad' }],
    });
    assert.equal(toErrorResponse(new DomainError('QUEUE_PAUSED', 'p')).body.statusCode, 423);
    assert.equal(
      toErrorResponse(new DomainError('IDEMPOTENCY_IN_FLIGHT', 'f')).body.code,
      'IDEMPOTENCY_CONFLICT',
    );
    assert.equal(toErrorResponse(new DomainError('IDEMPOTENCY_IN_FLIGHT', 'f')).body.statusCode, 409);
  });

  it('carries Retry-After', () => {
    assert.equal(
      toErrorResponse(new DomainError('RATE_LIMITED', 'slow down', undefined, 7)).headers['retry-after'],
      '7',
    );
  });

  it('answers an unknown route as NOT_FOUND', () => {
    assert.equal(toErrorResponse(new NotFoundException()).body.code, 'NOT_FOUND');
  });

  it('maps Fastify body errors', () => {
    const tooLarge = Object.assign(new Error('x'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    assert.equal(toErrorResponse(tooLarge).body.code, 'PAYLOAD_TOO_LARGE');
  });

  it('hides unexpected errors behind an error id', () => {
    const secret = new Error('connection string postgres://user:secret@db');
    const { body, unexpected } = toErrorResponse(secret);
    assert.equal(body.statusCode, 500);
    assert.equal(body.code, 'INTERNAL_ERROR');
    assert.ok(unexpected && body.errorId === unexpected);
    assert.equal(JSON.stringify(body).includes('secret'), false);
    assert.equal(JSON.stringify(body).includes('at '), false);
  });

  it('answers a lost database as 503 UNAVAILABLE with Retry-After', () => {
    const lost = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const { body, headers } = toErrorResponse(lost);
    assert.equal(body.statusCode, 503);
    assert.equal(body.code, 'UNAVAILABLE');
    assert.equal(headers['retry-after'], '1');
  });

  it('answers a refused connection reported as an AggregateError with no message as 503', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' });
    const aggregate = new AggregateError([refused, { code: 'ECONNREFUSED' }], '');
    const { body, headers } = toErrorResponse(Object.assign(new Error(''), { driverError: aggregate }));
    assert.equal(body.statusCode, 503);
    assert.equal(body.code, 'UNAVAILABLE');
    assert.equal(headers['retry-after'], '1');
  });
});
