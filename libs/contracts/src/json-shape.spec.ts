import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from './domain.error.js';
import { assertJsonValue } from './json-shape.js';
import { limits } from './limits.js';

const refusal = (value: unknown) => {
  try {
    assertJsonValue(value);
  } catch (error) {
    assert.ok(error instanceof DomainError && error.code === 'VALIDATION_FAILED', String(error));
    return error.details?.[0];
  }
  return undefined;
};
const nest = (levels: number): unknown => (levels === 0 ? 'leaf' : [nest(levels - 1)]);

describe('assertJsonValue', () => {
  it('takes JSON nested exactly to the limit and refuses one level more', () => {
    assert.equal(refusal(nest(limits.jsonDepth)), undefined);
    assert.match(refusal(nest(limits.jsonDepth + 1))!.message, /nested deeper than 32/);
  });

  it('refuses over-long strings and arrays, naming where', () => {
    assert.deepEqual(refusal({ a: [{ s: 'x'.repeat(limits.jsonStringLength + 1) }] })?.path, 'a[0].s');
    assert.equal(refusal({ s: 'x'.repeat(limits.jsonStringLength) }), undefined);
    assert.match(
      refusal({ list: new Array(limits.jsonArrayLength + 1).fill(0) })!.message,
      /more than 10000/,
    );
  });

  it('refuses prototype-polluting keys at any depth', () => {
    assert.deepEqual(refusal(JSON.parse('{"a":[{"__proto__":{"x":1}}]}'))?.path, 'a[0].__proto__');
    assert.deepEqual(refusal({ b: { constructor: 1 } })?.path, 'b.constructor');
    assert.equal(refusal({ text: 'the constructor of this house', n: null, t: true }), undefined);
  });
});
