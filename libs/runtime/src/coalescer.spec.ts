import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Coalescer } from './coalescer.js';

type Row = { id: string };
const rows = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}` }));

describe('Coalescer', () => {
  it('writes concurrent submits in shared statements and answers each with the result', async () => {
    const statements: string[][] = [];
    const coalescer = new Coalescer<Row, Map<string, Date>>(async (items) => {
      statements.push(items.map((i) => i.id));
      await new Promise((r) => setTimeout(r, 5));
      return new Map(items.map((i) => [i.id, new Date()]));
    }, 1);
    const results = await Promise.all(rows(50, 'a').map((row) => coalescer.submit([row])));
    results.forEach((inserted, i) => assert.ok(inserted.has(`a${i}`)));
    assert.ok(statements.length < 10, `${statements.length} statements for 50 submits`);
    assert.equal(statements.flat().length, 50);
  });

  it('never puts more than maxItems in one statement', async () => {
    const sizes: number[] = [];
    const coalescer = new Coalescer<Row, Map<string, Date>>(
      async (items) => {
        sizes.push(items.length);
        return new Map(items.map((i) => [i.id, new Date()]));
      },
      1,
      10,
    );
    await Promise.all(Array.from({ length: 7 }, (_, i) => coalescer.submit(rows(3, `b${i}-`))));
    assert.ok(Math.max(...sizes) <= 10, String(sizes));
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      21,
    );
  });

  it('isolates a failing submit from the ones grouped with it', async () => {
    const coalescer = new Coalescer<Row, Map<string, Date>>(async (items) => {
      if (items.some((i) => i.id === 'bad')) throw new Error('constraint');
      return new Map(items.map((i) => [i.id, new Date()]));
    });
    const outcomes = await Promise.allSettled([
      coalescer.submit([{ id: 'ok1' }]),
      coalescer.submit([{ id: 'bad' }]),
      coalescer.submit([{ id: 'ok2' }]),
    ]);
    assert.equal(outcomes[0].status, 'fulfilled');
    assert.equal(outcomes[1].status, 'rejected');
    assert.equal(outcomes[2].status, 'fulfilled');
  });
});
