import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { patchBetween } from './json-patch.js';

/** Applies the patch the way a consumer of the decision would, to a copy of `from`. */
function apply(from: unknown, patch: unknown[]): unknown {
  return fastJsonPatch.applyPatch(structuredClone(from), patch as Operation[], true, false).newDocument;
}

describe('patchBetween (RFC 6902)', () => {
  const cases: [string, unknown, unknown][] = [
    ['object to object', { label: 'a', tags: ['x'] }, { label: 'b', tags: ['x', 'y'], extra: 1 }],
    ['array to array', [1, 2, 3], [1, 3]],
    ['null (a failed model) to an object', null, { label: 'a' }],
    ['a scalar to a scalar', 'yes', 'no'],
    ['an object to a scalar', { a: 1 }, 42],
    ['an object to an array', { a: 1 }, [1]],
    ['an object to null', { a: 1 }, null],
    ['a member named ""', { '': 1 }, { '': 2 }],
  ];
  for (const [name, from, to] of cases) {
    it(`turns ${name} into the target when applied`, () => {
      assert.deepEqual(apply(from, patchBetween(from, to)), to);
    });
  }

  it('replaces the whole document with the pointer "", never "/"', () => {
    assert.deepEqual(patchBetween(null, { label: 'a' }), [
      { op: 'replace', path: '', value: { label: 'a' } },
    ]);
    assert.deepEqual(patchBetween('yes', 'no'), [{ op: 'replace', path: '', value: 'no' }]);
  });

  it('is empty when nothing changed', () => {
    assert.deepEqual(patchBetween({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), []);
    assert.deepEqual(patchBetween('same', 'same'), []);
    assert.deepEqual(patchBetween(null, null), []);
  });
});
