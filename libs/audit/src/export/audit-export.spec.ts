import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventDocument, exportLine } from '../chain.js';
import { decisionCsvCopy, decisionJsonlCopy } from './decision-export.sql.js';
import { EventLineWriter } from './event-lines.js';
import { eventExportCopy } from './event-export.sql.js';
import { parseModelFilter } from './export-filters.js';
import { isoTimeMicros, normalizeIsoTime } from './iso-time.js';
import { sqlLiteral, sqlUuid } from './sql-literal.js';

describe('normalizeIsoTime', () => {
  it('reads dates and date-times as UTC unless an offset is given', () => {
    assert.equal(normalizeIsoTime('2026-01-31'), '2026-01-31T00:00:00Z');
    assert.equal(normalizeIsoTime('2026-01-31T12:30'), '2026-01-31T12:30:00Z');
    assert.equal(normalizeIsoTime('2026-01-31T12:30:05.123456Z'), '2026-01-31T12:30:05.123456Z');
    assert.equal(normalizeIsoTime('2026-01-31T12:30:05+0130'), '2026-01-31T12:30:05+01:30');
    assert.equal(normalizeIsoTime('2026-01-31T12:30:05-05'), '2026-01-31T12:30:05-05:00');
    assert.equal(normalizeIsoTime('2024-02-29'), '2024-02-29T00:00:00Z');
  });

  it('refuses what is not a real instant in that form', () => {
    for (const bad of [
      '',
      'now',
      '2026-1-31',
      '2026-02-29',
      '2026-13-01',
      '2026-01-32',
      '0000-01-01',
      '2026-01-31T24:00',
      '2026-01-31T12:60',
      '2026-01-31T12:00:60',
      '2026-01-31T12:00:00.1234567Z',
      '2026-01-31T12:00:00+15:00',
      '2026-01-31 12:00:00',
      "2026-01-31'; --",
      '2026-01-31T12:00:00Z\n',
      '+02026-01-31',
      '1700000000',
    ])
      assert.equal(normalizeIsoTime(bad), null, bad);
  });

  it('orders times to the microsecond', () => {
    const a = isoTimeMicros(normalizeIsoTime('2026-01-01T00:00:00.000001Z')!);
    const b = isoTimeMicros(normalizeIsoTime('2026-01-01T00:00:00.000002Z')!);
    const c = isoTimeMicros(normalizeIsoTime('2026-01-01T01:00:00.000002+01:00')!);
    assert.ok(a < b);
    assert.equal(b, c);
  });
});

describe('SQL literals', () => {
  it('quotes and doubles quotes and backslashes', () => {
    assert.equal(sqlLiteral('plain'), `'plain'`);
    assert.equal(sqlLiteral(`o'brien`), `'o''brien'`);
    assert.equal(sqlLiteral(`a\\' OR 1=1 --`), `E'a\\\\'' OR 1=1 --'`);
  });

  it('refuses NUL and anything but a UUID where a UUID goes', () => {
    assert.throws(() => sqlLiteral('a\u0000b'));
    assert.throws(() => sqlUuid(`00000000-0000-0000-0000-000000000000' OR '1'='1`));
    assert.equal(
      sqlUuid('ABCDEF00-0000-4000-8000-000000000000'),
      `'abcdef00-0000-4000-8000-000000000000'::uuid`,
    );
  });

  it('keeps hostile filter values inside their literal', () => {
    const model = `x' OR '1'='1`;
    const sql = decisionJsonlCopy({ model: parseModelFilter(model), order: 'asc' });
    assert.ok(sql.includes(`i.model_name = 'x'' OR ''1''=''1'`));
    const events = eventExportCopy({ subject: `'); DROP TABLE audit_events; --`, order: 'desc', limit: 5 });
    assert.ok(events.includes(`e.subject_id = '''); DROP TABLE audit_events; --'`));
    assert.ok(events.includes('ORDER BY e.seq DESC LIMIT 5'));
  });

  it('defuses every CSV column that can start with a formula character', () => {
    const sql = decisionCsvCopy({ order: 'asc' });
    for (const column of ['externalId', 'modelName', 'comment', 'confidence', 'aiOutput', 'patch'])
      assert.ok(sql.includes(`CASE WHEN left(x."${column}", 1) IN`), column);
  });

  it('refuses a limit that is not a positive integer', () => {
    assert.throws(() => decisionCsvCopy({ limit: 0, order: 'asc' }));
    assert.throws(() => decisionCsvCopy({ limit: 1.5, order: 'asc' }));
  });
});

describe('parseModelFilter', () => {
  it('splits name@version at the last @', () => {
    assert.deepEqual(parseModelFilter('gpt'), { full: 'gpt' });
    assert.deepEqual(parseModelFilter('gpt@4'), { full: 'gpt@4', name: 'gpt', version: '4' });
    assert.deepEqual(parseModelFilter('org@m@v1'), { full: 'org@m@v1', name: 'org@m', version: 'v1' });
    assert.deepEqual(parseModelFilter('@scoped'), { full: '@scoped' });
    assert.deepEqual(parseModelFilter('trailing@'), { full: 'trailing@' });
  });
});

describe('EventLineWriter', () => {
  const row = {
    seq: 7,
    id: '0190a1b2-0000-7000-8000-000000000001',
    at: '2026-01-01T00:00:00.123456Z',
    actor_type: 'user' as const,
    actor_id: 'u1',
    actor_name: 'ann@example.com',
    action: 'item.decided' as const,
    subject_type: 'item' as const,
    subject_id: 's1',
    queue_id: null,
    data: { z: 1, a: 'é😀\n', n: 1.5e21 },
  };

  it('writes exportLine for rows cut anywhere, including inside a character', () => {
    const input = Buffer.from(
      `${JSON.stringify({ ...row, pos: null, prev_hash: null, hash: null })}\n` +
        `${JSON.stringify({ ...row, seq: 8, pos: 1, prev_hash: '0'.repeat(64), hash: 'ab' })}\n`,
    );
    const expected =
      exportLine(eventDocument(row), null) +
      exportLine(eventDocument({ ...row, seq: 8 }), { pos: 1, prevHash: '0'.repeat(64), hash: 'ab' });
    for (let cut = 1; cut < input.length; cut += 7) {
      const writer = new EventLineWriter();
      const out = writer.write(input.subarray(0, cut)) + writer.write(input.subarray(cut));
      writer.end();
      assert.equal(out, expected, `cut at ${cut}`);
    }
  });

  it('refuses output that ends inside a row', () => {
    const writer = new EventLineWriter();
    writer.write(Buffer.from('{"seq":'));
    assert.throws(() => writer.end());
  });
});
