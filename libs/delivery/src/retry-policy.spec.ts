import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_RETRY_AFTER_MS, maxAttempts, nextStep, parseRetryAfter, withJitter } from './retry-policy.js';

const schedule = [1000, 5000, 60_000];
const half = () => 0.5;
const failed = (statusCode: number | null, retryAfterMs: number | null = null) => ({
  statusCode,
  error: 'x',
  retryAfterMs,
});

describe('webhook retry policy', () => {
  it('delivers on any 2xx, and only on 2xx', () => {
    for (const code of [200, 201, 204, 299])
      assert.deepEqual(nextStep(failed(code), 1, schedule), { status: 'delivered' });
    for (const code of [100, 301, 302, 304, 400, 404, 429, 500, 503]) {
      assert.equal(nextStep(failed(code), 1, schedule).status, 'pending', `HTTP ${code}`);
    }
    assert.equal(nextStep(failed(null), 1, schedule).status, 'pending');
  });

  it('follows the schedule, then dead-letters after the last attempt', () => {
    assert.equal(maxAttempts(schedule), 4);
    assert.deepEqual(nextStep(failed(500), 1, schedule, half), { status: 'pending', delayMs: 1000 });
    assert.deepEqual(nextStep(failed(500), 2, schedule, half), { status: 'pending', delayMs: 5000 });
    assert.deepEqual(nextStep(failed(500), 3, schedule, half), { status: 'pending', delayMs: 60_000 });
    assert.equal(nextStep(failed(500), 4, schedule, half).status, 'dead');
    assert.equal(nextStep(failed(500), 1, [], half).status, 'dead', 'an empty schedule means one attempt');
  });

  it('stops at once on 410 Gone', () => {
    const step = nextStep(failed(410), 1, schedule);
    assert.equal(step.status, 'dead');
  });

  it('jitters each delay within ±20 %', () => {
    assert.equal(
      withJitter(1000, () => 0),
      800,
    );
    assert.equal(
      withJitter(1000, () => 0.999999),
      1200,
    );
    for (let i = 0; i < 100; i++) {
      const d = withJitter(10_000);
      assert.ok(d >= 8000 && d <= 12_000, String(d));
    }
  });

  it('waits at least as long as a Retry-After', () => {
    assert.deepEqual(nextStep(failed(503, 30_000), 1, schedule, half), {
      status: 'pending',
      delayMs: 30_000,
    });
    assert.deepEqual(nextStep(failed(503, 10), 1, schedule, half), { status: 'pending', delayMs: 1000 });
  });

  it('reads Retry-After as seconds or as an HTTP date, capped at a day', () => {
    const now = Date.parse('2026-11-26T10:00:00Z');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 10:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Thu, 26 Nov 2026 09:00:00 GMT', now), 0, 'a date in the past');
    assert.equal(parseRetryAfter('999999999', now), MAX_RETRY_AFTER_MS);
    assert.equal(parseRetryAfter(['5', '7'], now), 5000);
    assert.equal(parseRetryAfter(undefined, now), null);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter('-5', now), null);
  });
});
