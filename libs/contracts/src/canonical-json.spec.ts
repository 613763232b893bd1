import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys at every level and drops whitespace', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } }),
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives equal strings for equal values written in a different key order', () => {
    assert.equal(canonicalJson({ x: 1, y: [1, 2] }), canonicalJson(JSON.parse('{"y":[1,2],"x":1}')));
  });

  it('sorts by UTF-16 code units, as the RFC says', () => {
    assert.equal(
      canonicalJson({ '\u20ac': 1, '\r': 2, '\ud83d\ude00': 3, a: 4 }),
      '{"\\r":2,"a":4,"€":1,"😀":3}',
    );
  });

  it('serialises numbers the ECMAScript way', () => {
    assert.equal(canonicalJson([1.0, 1e21, 0.000001, -0, 1e-7]), '[1,1e+21,0.000001,0,1e-7]');
  });

  it('refuses non-finite numbers and skips undefined members', () => {
    assert.throws(() => canonicalJson({ a: Number.NaN }), TypeError);
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  });
});
