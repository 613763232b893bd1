import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uuidv7 } from './uuid-v7.js';

describe('uuidv7', () => {
  it('has the v7 version and RFC variant bits', () => {
    assert.match(uuidv7(), /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by creation time', () => {
    const earlier = uuidv7(1_700_000_000_000);
    const later = uuidv7(1_700_000_000_001);
    assert.ok(earlier < later);
    assert.equal(parseInt(earlier.replace(/-/g, '').slice(0, 12), 16), 1_700_000_000_000);
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidv7(42)));
    assert.equal(ids.size, 10_000);
  });
});
