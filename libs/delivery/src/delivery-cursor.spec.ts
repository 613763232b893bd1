import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor.js';

describe('delivery cursor', () => {
  it('names a delivery and reads back as it', () => {
    const id = randomUUID();
    const cursor = encodeDeliveryCursor(id);
    assert.match(cursor, /^[A-Za-z0-9_-]+$/, 'safe in a query string as it is');
    assert.ok(!cursor.includes(id), 'opaque: not the id in clear');
    assert.equal(decodeDeliveryCursor(cursor), id);
  });

  it('refuses anything it did not make', () => {
    const id = randomUUID();
    const good = encodeDeliveryCursor(id);
    for (const bad of [
      '',
      'x',
      id,
      `${good}=`,
      `${good}A`,
      good.slice(0, -1),
      `${good.slice(0, 4)}+${good.slice(5)}`,
      Buffer.from(`d2:${id}`).toString('base64url'),
      Buffer.from(`d1:${id.toUpperCase()}`).toString('base64url'),
      Buffer.from(`d1:${id}:x`).toString('base64url'),
      Buffer.from('d1:not-a-uuid').toString('base64url'),
      'A'.repeat(65),
    ]) {
      assert.equal(decodeDeliveryCursor(bad), null, JSON.stringify(bad));
    }
  });
});
