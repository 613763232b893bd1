import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { editedPaths, normalizePointer, presentPaths } from './json-paths.js';

describe('JSON paths of outputs and patches', () => {
  const doc = { items: [{ price: 1 }, { price: 2 }], '3': { a: 1 }, 'a/b': 1 };

  it('turns array indexes into *', () => {
    assert.equal(normalizePointer('/items/3/price'), '/items/*/price');
    assert.equal(normalizePointer('/items/1/price', doc), '/items/*/price');
    assert.equal(normalizePointer('/items/-', doc), '/items/*');
    assert.equal(normalizePointer(''), '');
  });

  it('keeps object keys that look like indexes, and escapes', () => {
    assert.equal(normalizePointer('/3/a', doc), '/3/a');
    assert.equal(normalizePointer('/a~1b', doc), '/a~1b');
  });

  it('lists every node of an output once', () => {
    // Integer-like keys come first in a JS object.
    assert.deepEqual(presentPaths(doc), ['/3', '/3/a', '/items', '/items/*', '/items/*/price', '/a~1b']);
    assert.deepEqual(presentPaths('scalar'), []);
    assert.equal(presentPaths({ a: 1, b: 2, c: 3 }, 2).length, 2);
  });

  it('lists what a patch touches, normalised against the AI output', () => {
    const patch = [
      { op: 'replace', path: '/items/1/price', value: 3 },
      { op: 'replace', path: '/items/0/price', value: 3 },
      { op: 'move', from: '/3/a', path: '/b' },
    ];
    assert.deepEqual(editedPaths(patch, doc), ['/items/*/price', '/b', '/3/a']);
    assert.deepEqual(editedPaths(null, doc), []);
  });
});
