import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limits } from './limits.js';
import { DecideDto, QueueRefDto, quickDecide, quickQueueRef } from './review.dto.js';
import { agreeWithClassValidator, fieldVariants } from './quick-path.spec-kit.js';

const TOKEN = 'q9Xr2mB7kLw4Zt0aVf3Hs8Ny1Pc6Ej5U';
describe('quick paths of the review events agree with class-validator', () => {
  it('claim:next and queue:subscribe ({queue})', () => {
    const taken = agreeWithClassValidator(
      QueueRefDto,
      quickQueueRef,
      fieldVariants(() => ({ queue: 'support-triage' }), {
        queue: ['ab', 'a', 'x'.repeat(63), 'x'.repeat(64), 'Upper', '-lead', 'with space', 7, [], {}, null],
        extra: [1],
      }),
    );
    assert.ok(taken.quick >= 3 && taken.slow >= 9, JSON.stringify(taken));
  });

  it('claim:decide ({token, verdict, output?, comment?})', () => {
    const taken = agreeWithClassValidator(
      DecideDto,
      quickDecide,
      fieldVariants(() => ({ token: TOKEN, verdict: 'approve' }), {
        token: [
          'a'.repeat(16),
          'a'.repeat(15),
          'a'.repeat(128),
          'a'.repeat(129),
          'token with spaces ok?',
          '\u{1F600}'.repeat(8),
          '\u{1F600}'.repeat(16),
          42,
          null,
        ],
        verdict: ['approve', 'correct', 'reject', 'APPROVE', 'maybe', '', 1, null],
        output: [{ label: 'x' }, [], 0, '', false, null],
        comment: [
          '',
          'fine',
          'x'.repeat(limits.commentLength),
          'x'.repeat(limits.commentLength + 1),
          3,
          null,
        ],
        extra: [true],
      }),
    );
    assert.ok(taken.quick >= 15 && taken.slow >= 15, JSON.stringify(taken));
  });

  it('declines what class-validator should word the refusal of', () => {
    assert.equal(quickQueueRef({ queue: 'Bad Slug' }), null);
    assert.equal(quickDecide({ token: TOKEN, verdict: 'maybe' }), null);
    assert.equal(quickDecide({ token: TOKEN, verdict: 'approve', extra: 1 }), null);
    assert.ok(quickDecide({ token: TOKEN, verdict: 'correct', output: { label: 'x' }, comment: 'fixed' }));
  });
});
