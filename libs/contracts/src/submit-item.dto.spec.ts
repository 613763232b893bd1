import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { limits } from './limits.js';
import { ModelDto, quickSubmitItem, SubmitItemDto } from './submit-item.dto.js';
import { agreeWithClassValidator, fieldVariants } from './quick-path.spec-kit.js';
import { validateByDecorators, validateInput } from './validation.js';

const base = () => ({
  externalId: 'ticket-1',
  model: { name: 'triage', version: '2026-03-14' },
  input: { text: 'Parcel arrived damaged' },
  output: { label: 'complaint' },
  confidence: 0.42,
  reason: 'low_confidence',
  priority: 40,
  metadata: { tenant: 'acme' },
});

/** Values tried in each field: valid ones, boundaries either side, wrong types, null and absence. */
const CANDIDATES: Record<string, unknown[]> = {
  externalId: [
    '',
    'a',
    'x'.repeat(limits.externalIdLength),
    'x'.repeat(limits.externalIdLength + 1),
    7,
    null,
  ],
  model: [
    { name: 'm', version: 'v' },
    { name: '', version: 'v' },
    { name: 'm', version: '' },
    { name: 'm'.repeat(200), version: 'v'.repeat(100) },
    { name: 'm'.repeat(201), version: 'v' },
    { name: 'm', version: 'v'.repeat(101) },
    { name: 'm' },
    { name: 'm', version: 'v', extra: 1 },
    { name: 1, version: 'v' },
    ['m', 'v'],
    'triage',
    null,
  ],
  input: [0, '', false, [], {}, 'text', null],
  output: [0, '', false, [], { label: 'x' }, null],
  confidence: [0, 1, 0.5, -0.01, 1.01, Number.NaN, Number.POSITIVE_INFINITY, '0.5', null],
  reason: ['low_confidence', 'model_error', 'policy', 'other', 'unsure', '', 3, null],
  priority: [0, 100, 50, -1, 101, 1.5, '5', null],
  metadata: [
    {},
    { a: 1 },
    Object.fromEntries(Array.from({ length: limits.metadataKeys }, (_, i) => [`k${i}`, i])),
    Object.fromEntries(Array.from({ length: limits.metadataKeys + 1 }, (_, i) => [`k${i}`, i])),
    { ['k'.repeat(128)]: 1 },
    { ['k'.repeat(129)]: 1 },
    { '': 1 },
    [],
    'tag',
    null,
  ],
  callbackUrl: ['https://example.com/hook', 'ftp://example.com', 'not a url', null],
  assignee: [
    '0198c3a2-6f1e-7c3b-9a4d-2b8e5f1c0d7e',
    '0198C3A2-6F1E-7C3B-9A4D-2B8E5F1C0D7E',
    'user-1',
    5,
    null,
  ],
  unknownField: [1],
};
/** Each field's candidates; the output rule depends on the reason, so each is tried with model_error too. */
function variants(): Record<string, unknown>[] {
  return fieldVariants(base, CANDIDATES).flatMap((body) => {
    const withoutOutput: Record<string, unknown> = { ...body, reason: 'model_error' };
    delete withoutOutput.output;
    return [body, { ...body, reason: 'model_error' }, withoutOutput];
  });
}

/** What class-validator makes of it: the instance, or the refusal. */
function byDecorators(body: Record<string, unknown>): SubmitItemDto | Error {
  try {
    return validateByDecorators(SubmitItemDto, body);
  } catch (error) {
    return error as Error;
  }
}

describe('quickSubmitItem: the quick path of a submission agrees with class-validator', () => {
  it('accepts nothing class-validator refuses, and builds what class-validator builds', () => {
    const taken = agreeWithClassValidator(SubmitItemDto, quickSubmitItem, variants(), (built) =>
      assert.ok(built.model instanceof ModelDto),
    );
    // Both paths must really be taken, or this test would prove nothing.
    assert.ok(taken.quick >= 60, `quick path taken ${taken.quick} times`);
    assert.ok(taken.slow >= 60, `class-validator judged ${taken.slow}`);
  });

  it('takes the usual submission, with every optional field given or absent', () => {
    const usual = base();
    assert.ok(quickSubmitItem(usual));
    const { confidence: _c, priority: _p, metadata: _m, ...minimal } = usual;
    assert.ok(quickSubmitItem(minimal));
    assert.ok(quickSubmitItem({ ...usual, assignee: '0198c3a2-6f1e-7c3b-9a4d-2b8e5f1c0d7e' }));
    const { output: _o, ...failed } = { ...usual, reason: 'model_error' };
    assert.ok(quickSubmitItem(failed));
  });

  it('leaves refusals to class-validator, so they read the same on either path', () => {
    for (const bad of [
      { ...base(), priority: 101 },
      { ...base(), model: { name: 'm' } },
      { ...base(), extra: true },
    ]) {
      assert.equal(quickSubmitItem(bad), null);
      assert.throws(
        () => validateInput(SubmitItemDto, bad),
        (error: Error & { details?: unknown[] }) => {
          const judged = byDecorators(bad) as Error & { details?: unknown[] };
          assert.deepEqual(error.details, judged.details);
          return true;
        },
      );
    }
  });
});
